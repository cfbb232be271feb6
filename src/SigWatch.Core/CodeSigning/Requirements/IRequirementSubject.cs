using System.Security.Cryptography.X509Certificates;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>What is known offline about a code's notarization.</summary>
public enum NotarizationState
{
    /// <summary>Nothing was checked.</summary>
    Unknown,

    /// <summary>No stapled ticket was found; Apple may still have notarized the code (only syspolicyd can say).</summary>
    NotStapled,

    /// <summary>A stapled ticket covering this code's cdhash was found and verified.</summary>
    Stapled,
}

/// <summary>
/// The facts a requirement is evaluated against, for one architecture of one piece of code: the static equivalent
/// of Security's <c>Requirement::Context</c> (requirement.h). The signature engine implements it.
/// A <c>null</c> member means "not known to the caller", and any clause that needs it evaluates to
/// <see cref="RequirementOutcome.Unknown"/>; an empty value means "known to be absent".
/// </summary>
public interface IRequirementSubject
{
    /// <summary>The CodeDirectory identifier (opIdent compares against it).</summary>
    string? Identifier { get; }

    /// <summary>The CodeDirectory team identifier, if any (not used by the language itself; for explanations and DR synthesis).</summary>
    string? TeamId { get; }

    /// <summary>
    /// The 20-byte truncated cdhash of each CodeDirectory of this code (opCDHash; the ad-hoc default DR lists all of them).
    /// </summary>
    IReadOnlyList<byte[]>? CdHashes { get; }

    /// <summary>The CodeDirectory <c>platform</c> byte (opPlatform); non-zero marks a platform binary.</summary>
    int? PlatformIdentifier { get; }

    /// <summary>
    /// The signing chain leaf first, anchor last, as the CMS signature carries it. Empty for ad-hoc (or unsigned) code.
    /// </summary>
    IReadOnlyList<X509Certificate2>? Certificates { get; }

    /// <summary>
    /// The bound Info.plist as plain values: <see cref="string"/>, <see cref="bool"/>, integers/<see cref="double"/>,
    /// <see cref="byte"/>[], <see cref="DateTime"/>/<see cref="DateTimeOffset"/>, lists (<c>IEnumerable&lt;object?&gt;</c>) and
    /// dictionaries. Empty when the code has no Info.plist.
    /// </summary>
    IReadOnlyDictionary<string, object?>? InfoPlist { get; }

    /// <summary>The entitlements, with the same value conventions as <see cref="InfoPlist"/>.</summary>
    IReadOnlyDictionary<string, object?>? Entitlements { get; }

    NotarizationState Notarization { get; }
}

/// <summary>A plain <see cref="IRequirementSubject"/> for callers that already hold the facts (and for tests).</summary>
public sealed record RequirementSubject : IRequirementSubject
{
    public string? Identifier { get; init; }

    public string? TeamId { get; init; }

    public IReadOnlyList<byte[]>? CdHashes { get; init; }

    public int? PlatformIdentifier { get; init; }

    public IReadOnlyList<X509Certificate2>? Certificates { get; init; }

    public IReadOnlyDictionary<string, object?>? InfoPlist { get; init; }

    public IReadOnlyDictionary<string, object?>? Entitlements { get; init; }

    public NotarizationState Notarization { get; init; }
}
