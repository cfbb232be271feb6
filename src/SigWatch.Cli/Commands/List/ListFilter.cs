using SigWatch.Protos.V1;

namespace SigWatch.Cli.Commands.List;

/// <summary>
/// The filters list applies to what the daemon returned (the daemon filters by root and path; the rest is decided
/// here from each bundle's latest assessment), and the order it shows them in: problems first.
/// </summary>
internal sealed record ListFilter(string? Verdict, string? Team, string? Identifier, bool Quarantined, string? Search)
{
    public static readonly string[] Verdicts = ["valid", "invalid", "unsigned"];

    public static readonly string[] Kinds = ["bundle", "disk-image", "installer-package", "archive"];

    /// <summary>--kind: "bundle" or a download kind; null for all.</summary>
    public string? Kind { get; init; }

    public bool Matches(Bundle bundle)
    {
        var a = bundle.Latest;
        var signature = a?.Signature;
        if (Verdict is not null && !string.Equals(signature?.Verdict, Verdict, StringComparison.Ordinal))
        {
            return false;
        }

        if (Team is not null && !string.Equals(signature?.TeamId, Team, StringComparison.Ordinal))
        {
            return false;
        }

        if (Identifier is not null && !string.Equals(a?.BundleIdentifier, Identifier, StringComparison.Ordinal))
        {
            return false;
        }

        if (Kind is not null && (a is null || !string.Equals(Output.JsonMapping.KindOf(a), Kind, StringComparison.Ordinal)))
        {
            return false;
        }

        if (Quarantined && a?.Quarantine?.Present != true)
        {
            return false;
        }

        return Search is null
            || new[] { bundle.Path, a?.BundleIdentifier, a?.BundleName, signature?.TeamId }
                .Any(field => field?.Contains(Search, StringComparison.OrdinalIgnoreCase) == true);
    }

    /// <summary>Invalid first (a seal that broke), then unsigned, then not yet verified, then valid; by path within each.</summary>
    public static int Rank(Bundle bundle) => bundle.Latest?.Signature?.Verdict switch
    {
        "invalid" => 0,
        "unsigned" => 1,
        "valid" => 3,
        _ => 2,
    };
}
