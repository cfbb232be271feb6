using System.Globalization;
using SigWatch.Core.Verification;

namespace SigWatch.Platform.Darwin;

/// <summary>The verdict and findings derived from one Security-framework validity check.</summary>
public sealed record NativeValidationOutcome(AssessmentVerdict Verdict, IReadOnlyList<Finding> Findings);

/// <summary>
/// Maps an OSStatus and the user info of its CFError (already converted to plain .NET values) onto SigWatch's
/// verdict and finding kinds. Pure: unit-tested on Linux with recorded values. User-info keys and shapes from
/// macos-integration.md §3.5: the resource keys hold a CFArray of CFURL per key in practice, a single CFURL per the
/// header; both are accepted (a converted CFURL is its POSIX path string).
/// </summary>
public static class NativeResultMapper
{
    /// <summary>kSecCFErrorArchitecture.</summary>
    public const string ArchitectureKey = "SecCSArchitecture";

    /// <summary>kSecCFErrorResourceAdded.</summary>
    public const string ResourceAddedKey = "SecCSResourceAdded";

    /// <summary>kSecCFErrorResourceAltered.</summary>
    public const string ResourceAlteredKey = "SecCSResourceAltered";

    /// <summary>kSecCFErrorResourceMissing.</summary>
    public const string ResourceMissingKey = "SecCSResourceMissing";

    /// <summary>kSecCFErrorResourceSideband.</summary>
    public const string ResourceSidebandKey = "SecCSResourceHasSidebandData";

    /// <summary>kSecCFErrorResourceRecursive.</summary>
    public const string ResourceRecursiveKey = "SecCSResourceRecursive";

    /// <summary>kSecCFErrorPath: the nested component that failed.</summary>
    public const string PathKey = "SecComponentPath";

    /// <summary>kSecCFErrorRequirementSyntax.</summary>
    public const string RequirementSyntaxKey = "SecRequirementSyntax";

    /// <summary>
    /// At most this many findings per resource key; the rest are summarised in one finding. A tampered bundle can
    /// list every file, and one finding per file beyond this adds nothing to the verdict.
    /// </summary>
    public const int MaxFindingsPerKey = 256;

    /// <summary>
    /// Maps a validity check's result. <paramref name="checkedPath"/> is the bundle or file that was checked; resource
    /// paths under it are made relative to its <c>Contents/</c> directory when they lie inside one (as CodeResources
    /// names them), else to the bundle root; paths outside it are kept absolute. <paramref name="canonicalPath"/> is the
    /// same path with symlinks resolved (the framework may report resource paths under it, e.g. /private/var/…).
    /// </summary>
    public static NativeValidationOutcome Map(int status, IReadOnlyDictionary<string, object?>? userInfo, string checkedPath,
        string? canonicalPath = null)
    {
        ArgumentNullException.ThrowIfNull(checkedPath);
        var info = CodeSigningStatus.Describe(status);
        var verdict = info.Meaning switch
        {
            StatusMeaning.Valid => AssessmentVerdict.Valid,
            StatusMeaning.Unsigned => AssessmentVerdict.Unsigned,
            StatusMeaning.Invalid => AssessmentVerdict.Invalid,
            _ => AssessmentVerdict.Unknown,
        };
        if (info.Meaning == StatusMeaning.Valid)
        {
            return new NativeValidationOutcome(verdict, []);
        }

        userInfo ??= new Dictionary<string, object?>();
        var architecture = userInfo.TryGetValue(ArchitectureKey, out var arch) ? arch as string : null;
        var findings = new List<Finding>();
        AddResources(findings, userInfo, canonicalPath, ResourceAddedKey, FindingKind.FileAdded, "file added to the bundle after signing", checkedPath, architecture);
        AddResources(findings, userInfo, canonicalPath, ResourceAlteredKey, FindingKind.FileModified, "sealed file modified", checkedPath, architecture);
        AddResources(findings, userInfo, canonicalPath, ResourceMissingKey, FindingKind.FileMissing, "sealed file missing", checkedPath, architecture);
        AddResources(findings, userInfo, canonicalPath, ResourceSidebandKey, FindingKind.NativeValidationFailed, "sealed file has sideband data (extended attributes)", checkedPath, architecture);
        AddResources(findings, userInfo, canonicalPath, ResourceRecursiveKey, FindingKind.NativeValidationFailed, "sealed resource refers back into the bundle recursively", checkedPath, architecture);

        // The status itself becomes the headline finding, unless it only says "a resource is bad" and the user info
        // already named which ones.
        var resourceStatus = info.Kind == FindingKind.FileModified;
        if (!(resourceStatus && findings.Count > 0))
        {
            var component = userInfo.TryGetValue(PathKey, out var p) ? PathsOf(p).FirstOrDefault() : null;
            var detail = $"{info.Name} ({status.ToString(CultureInfo.InvariantCulture)}): {info.Message}";
            if (userInfo.TryGetValue(RequirementSyntaxKey, out var syntax) && syntax is string syntaxText)
            {
                detail += $": {syntaxText}";
            }

            var severity = verdict == AssessmentVerdict.Unknown ? FindingSeverity.Info : FindingSeverity.Error;
            findings.Insert(0, new Finding(info.Kind, severity, detail,
                component is null ? checkedPath : Relative(component, checkedPath, canonicalPath), architecture));
        }

        return new NativeValidationOutcome(verdict, findings);
    }

    /// <summary>A path relative to the checked bundle (see <see cref="Map"/>), or unchanged when outside it.</summary>
    public static string Relative(string path, string checkedPath, string? canonicalPath = null)
    {
        if (canonicalPath is not null && canonicalPath != checkedPath)
        {
            var relative = Relative(path, canonicalPath);
            if (relative.Length != path.Length)
            {
                return relative;
            }
        }

        var root = checkedPath.TrimEnd('/');
        var contents = root + "/Contents/";
        if (path.StartsWith(contents, StringComparison.Ordinal))
        {
            return path[contents.Length..];
        }

        return path.StartsWith(root + "/", StringComparison.Ordinal) ? path[(root.Length + 1)..] : path;
    }

    private static void AddResources(List<Finding> findings, IReadOnlyDictionary<string, object?> userInfo, string? canonicalPath, string key,
        FindingKind kind, string message, string checkedPath, string? architecture)
    {
        if (!userInfo.TryGetValue(key, out var value))
        {
            return;
        }

        var paths = PathsOf(value).ToList();
        foreach (var path in paths.Take(MaxFindingsPerKey))
        {
            findings.Add(new Finding(kind, FindingSeverity.Error, message, Relative(path, checkedPath, canonicalPath), architecture));
        }

        if (paths.Count > MaxFindingsPerKey)
        {
            findings.Add(new Finding(kind, FindingSeverity.Error,
                $"{message}: {(paths.Count - MaxFindingsPerKey).ToString(CultureInfo.InvariantCulture)} more not listed", checkedPath, architecture));
        }
    }

    // One converted CFURL (a path string) or a CFArray of them; anything else is ignored rather than guessed at.
    private static IEnumerable<string> PathsOf(object? value) => value switch
    {
        string single => [single],
        IEnumerable<object?> many => many.OfType<string>(),
        _ => [],
    };
}
