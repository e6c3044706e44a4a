namespace Milvus.Orleans.Query.Filters;

/// <summary>Milvus' <c>like</c>: <c>%</c> matches any run of characters (none included), <c>_</c> exactly one; the rest matches itself.</summary>
internal static class LikePattern
{
    public static bool Matches(string? text, string pattern)
    {
        if (text is null)
        {
            return false;
        }

        // Greedy with one backtrack point: the last '%' seen and where its run ended in the text.
        int t = 0, p = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '_' || (pattern[p] != '%' && pattern[p] == text[t])))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '%')
            {
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '%')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
