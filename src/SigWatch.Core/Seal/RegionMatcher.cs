namespace SigWatch.Core.Seal;

/// <summary>
/// Tells whether a resource-root-relative path lies in one of a re-verification's regions. A few regions are compared
/// directly; many (a large batch of changes) are looked up by the path's ancestors, so the cost stays per path, not per
/// path and region.
/// </summary>
internal sealed class RegionMatcher
{
    private const int CompareDirectlyUpTo = 8;
    private readonly IReadOnlyList<string> _regions;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public RegionMatcher(IReadOnlyList<string> regions)
    {
        _regions = regions;
        _lookup = new HashSet<string>(regions, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool Contains(string path)
    {
        if (_regions.Count <= CompareDirectlyUpTo)
        {
            foreach (var region in _regions)
            {
                if (SealWalkResult.InRegion(path, region))
                {
                    return true;
                }
            }

            return false;
        }

        var span = path.AsSpan();
        while (true)
        {
            if (_lookup.Contains(span))
            {
                return true;
            }

            var slash = span.LastIndexOf('/');
            if (slash < 0)
            {
                return false;
            }

            span = span[..slash];
        }
    }
}
