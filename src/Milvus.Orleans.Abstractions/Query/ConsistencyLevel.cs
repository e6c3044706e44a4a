namespace Milvus.Orleans.Query;

/// <summary>Which writes a read must see, as Milvus' consistency levels: the read waits until its shard has applied them.</summary>
public enum ConsistencyLevel
{
    /// <summary>Every write acknowledged before the read began (a fresh timestamp from the TSO).</summary>
    Strong = 0,

    /// <summary>Every write acknowledged more than 5 s before the read.</summary>
    Bounded = 1,

    /// <summary>Every write this client made (its last write's timestamp).</summary>
    Session = 2,

    /// <summary>Whatever the shard has applied; no wait.</summary>
    Eventually = 3,
}
