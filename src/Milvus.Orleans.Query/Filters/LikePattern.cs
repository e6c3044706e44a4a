namespace Milvus.Orleans.Query.Filters;

/// <summary>
/// Milvus' <c>like</c>: <c>%</c> matches any run of characters (none included), <c>_</c> exactly one; the rest matches
/// itself. The pattern is split at its <c>%</c> once; the pieces between them match leftmost-first, which is exact for
/// such patterns and never backtracks, so a match costs at most the text's length times the pattern's.
/// </summary>
internal sealed class LikePattern
{
    private readonly string[] _pieces;

    private LikePattern(string pattern) => _pieces = pattern.Split('%');

    public static LikePattern Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new LikePattern(pattern);
    }

    public bool Matches(string? text)
    {
        if (text is null)
        {
            return false;
        }

        var first = _pieces[0];
        if (_pieces.Length == 1)
        {
            return text.Length == first.Length && MatchesAt(text, 0, first);
        }

        var last = _pieces[^1];
        var end = text.Length - last.Length;
        if (end < first.Length || !MatchesAt(text, 0, first) || !MatchesAt(text, end, last))
        {
            return false;
        }

        var from = first.Length;
        for (var i = 1; i < _pieces.Length - 1; i++)
        {
            var at = Find(text, _pieces[i], from, end);
            if (at < 0)
            {
                return false;
            }

            from = at + _pieces[i].Length;
        }

        return true;
    }

    /// <summary>The first position in <c>text[from..end]</c> where <paramref name="piece"/> matches whole, or −1.</summary>
    private static int Find(string text, string piece, int from, int end)
    {
        if (!piece.Contains('_', StringComparison.Ordinal))
        {
            var found = text.AsSpan(from, end - from).IndexOf(piece, StringComparison.Ordinal);
            return found < 0 ? -1 : from + found;
        }

        for (var at = from; at + piece.Length <= end; at++)
        {
            if (MatchesAt(text, at, piece))
            {
                return at;
            }
        }

        return -1;
    }

    private static bool MatchesAt(string text, int at, string piece)
    {
        for (var i = 0; i < piece.Length; i++)
        {
            if (piece[i] != '_' && piece[i] != text[at + i])
            {
                return false;
            }
        }

        return true;
    }
}
