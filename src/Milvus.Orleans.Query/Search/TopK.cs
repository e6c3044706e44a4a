namespace Milvus.Orleans.Query.Search;

/// <summary>The <c>k</c> best of what is offered, by rank (larger is better); ties keep the earlier offer.</summary>
internal sealed class TopK<T>(int k)
{
    private readonly PriorityQueue<T, (float Rank, long Order)> _heap = new(k + 1, WorstFirst.Instance);
    private long _offered;

    public int Count => _heap.Count;

    /// <summary>Whether an offer of <paramref name="rank"/> would be kept now.</summary>
    public bool Admits(float rank) => _heap.Count < k || (k > 0 && _heap.TryPeek(out _, out var worst) && rank > worst.Rank);

    public void Offer(T item, float rank)
    {
        var order = _offered++;
        if (_heap.Count < k)
        {
            _heap.Enqueue(item, (rank, order));
        }
        else if (k > 0 && _heap.TryPeek(out _, out var worst) && rank > worst.Rank)
        {
            _heap.DequeueEnqueue(item, (rank, order));
        }
    }

    /// <summary>What was kept, best first.</summary>
    public (T Item, float Rank)[] Sorted()
    {
        var all = _heap.UnorderedItems.Select(e => (Item: e.Element, e.Priority.Rank, e.Priority.Order)).ToArray();
        Array.Sort(all, (a, b) => a.Rank != b.Rank ? b.Rank.CompareTo(a.Rank) : a.Order.CompareTo(b.Order));
        return [.. all.Select(e => (e.Item, e.Rank))];
    }

    /// <summary>The heap's root is the worst kept: lowest rank, and among equal ranks the latest offer.</summary>
    private sealed class WorstFirst : IComparer<(float Rank, long Order)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Rank, long Order) x, (float Rank, long Order) y) =>
            x.Rank != y.Rank ? x.Rank.CompareTo(y.Rank) : y.Order.CompareTo(x.Order);
    }
}
