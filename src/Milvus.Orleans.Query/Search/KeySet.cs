using Milvus.Orleans.Data;

namespace Milvus.Orleans.Query.Search;

/// <summary>The primary keys of a get, looked up per row without a filter expression.</summary>
internal abstract class KeySet
{
    public static KeySet Of(PrimaryKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Int64 is { } longs ? new Typed<long>([.. longs]) : new Typed<string>(new HashSet<string>(keys.VarChar!, StringComparer.Ordinal));
    }

    /// <summary>Whether row <c>r</c> of a block whose keys are <paramref name="blockKeys"/> has one of the keys.</summary>
    public abstract Func<int, bool> Matches(Array blockKeys);

    private sealed class Typed<T>(HashSet<T> keys) : KeySet
    {
        public override Func<int, bool> Matches(Array blockKeys) =>
            blockKeys is T[] typed ? row => keys.Contains(typed[row]) : _ => false;
    }
}
