using System.Globalization;
using System.Text;
using SigWatch.Core.Bundles;

namespace SigWatch.Core.Assessment;

/// <summary>
/// Why a seal broke and what to do, in one sentence for the person at the Mac (the notification text): one phrase per
/// diagnosis kind, in one place, then the remedy of the most telling one. Diagnoses explain the seal findings
/// (USER-PROBLEMS.md rows 1–3, 6); without one the sentence counts the findings and names the first file.
/// </summary>
public static class SealBreakSentences
{
    // Most telling first: a normalization pair explains an "added" and a "missing" file at once; quarantine inside a
    // bundle does not break a seal by itself, so it is only ever added to another reason.
    private static readonly string[] s_priority = ["normalization-mismatch", "added-after-signing", "appledouble", "quarantine-inside-bundle"];

    /// <summary>"what broke — what to do", e.g. "148 file names changed Unicode form (NFD → NFC) — copy it again with ditto".</summary>
    public static string Describe(SignatureSummary signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var diagnoses = signature.Diagnoses
            .Where(d => Array.IndexOf(s_priority, d.Kind) >= 0)
            .GroupBy(d => d.Kind)
            .OrderBy(g => Array.IndexOf(s_priority, g.Key))
            .ToList();
        var phrases = diagnoses.Select(g => Phrase(g.Key, [.. g], signature.Findings)).ToList();
        var lead = diagnoses.FirstOrDefault(g => g.Key != "quarantine-inside-bundle") ?? diagnoses.FirstOrDefault();
        if (lead is null || lead.Key == "quarantine-inside-bundle" && signature.Findings.Any(f => f.Severity == "error"))
        {
            // No diagnosis explains the break: say what the findings are, then what quarantine there is.
            phrases.Insert(0, FindingsPhrase(signature));
            return string.Join("; ", phrases) + " — " + FindingsRemedy(signature);
        }

        return string.Join("; ", phrases) + " — " + Remedy(lead.Key);
    }

    /// <summary>
    /// The phrase for one diagnosis kind (all its diagnoses: a normalization pair is one diagnosis per file);
    /// <paramref name="findings"/> tell an added file from a modified one.
    /// </summary>
    public static string Phrase(string kind, IReadOnlyList<SummaryDiagnosis> diagnoses, IReadOnlyList<SummaryFinding> findings)
    {
        ArgumentNullException.ThrowIfNull(diagnoses);
        ArgumentNullException.ThrowIfNull(findings);
        return kind switch
        {
            "normalization-mismatch" => Count(diagnoses.Count, "file name", "file names") + " changed Unicode form (" + Direction(diagnoses) + ")",
            "added-after-signing" => Count(Paths(diagnoses).Count, "file", "files") + " " + AddedOrChanged(Paths(diagnoses), findings) + " after signing: " + Listed(Paths(diagnoses)),
            "appledouble" => Count(Paths(diagnoses).Count, "AppleDouble item", "AppleDouble items") + " (._*, __MACOSX) added: " + Listed(Paths(diagnoses)),
            "quarantine-inside-bundle" => Count(Paths(diagnoses).Count, "quarantined file", "quarantined files") + " inside: " + Listed(Paths(diagnoses)),
            _ => kind,
        };
    }

    /// <summary>What to do about a diagnosis kind, in a few words.</summary>
    public static string Remedy(string kind) => kind switch
    {
        "normalization-mismatch" => "copy it again with ditto (the Finder or the file server changed the names)",
        "added-after-signing" => "something wrote into the app's own bundle (often the app itself); reinstall it",
        "appledouble" => "it passed through a non-Mac file system or archiver; copy it again with ditto",
        "quarantine-inside-bundle" => "Gatekeeper will assess those files again; clear them with xattr -dr com.apple.quarantine",
        _ => "copy it again from the original",
    };

    private static string FindingsPhrase(SignatureSummary signature)
    {
        var errors = signature.Findings.Where(f => f.Severity == "error").ToList();
        if (errors.Count == 0)
        {
            return $"the signature is {signature.Verdict}";
        }

        var files = new (string Kind, string One, string Many)[]
        {
            ("file-modified", "file modified", "files modified"),
            ("file-missing", "file missing", "files missing"),
            ("file-added", "file added", "files added"),
            ("symlink-modified", "symlink changed", "symlinks changed"),
        };
        var counted = files
            .Select(k => (k, Count: errors.Count(f => f.Kind == k.Kind)))
            .Where(c => c.Count > 0)
            .Select(c => Count(c.Count, c.k.One, c.k.Many))
            .ToList();
        var first = errors.First();
        if (counted.Count > 0)
        {
            var path = errors.First(f => files.Any(k => k.Kind == f.Kind)).Path;
            return string.Join(", ", counted) + (path is null ? string.Empty : ": " + Escaped(path) + (errors.Count > 1 ? " …" : string.Empty));
        }

        return first.Kind switch
        {
            "page-hash-mismatch" => "the main executable was modified" + At(first.Path),
            "not-signed" => "the code lost its signature" + At(first.Path),
            "malformed-signature" or "malformed-macho" or "bad-main-executable" => "the code is damaged" + At(first.Path) + ": " + first.Detail,
            "nested-code-invalid" => "nested code no longer verifies" + At(first.Path),
            "info-plist-modified" or "info-plist-malformed" => "Info.plist was changed",
            "resource-envelope-modified" or "seal-invalid" or "special-slot-mismatch" => "the resource seal (_CodeSignature/CodeResources) was changed",
            _ => SignatureSummary.DescribeErrors([first], max: 1),
        };
    }

    private static string AddedOrChanged(List<string> paths, IReadOnlyList<SummaryFinding> findings)
    {
        var added = paths.Count(p => findings.Any(f => f.Kind == "file-added" && string.Equals(f.Path, p, StringComparison.Ordinal)));
        return added == paths.Count ? "added" : added == 0 ? "modified" : "added or modified";
    }

    private static string FindingsRemedy(SignatureSummary signature) =>
        signature.Findings.Any(f => f.Severity == "error" && f.Kind is "file-modified" or "file-missing" or "file-added" or "symlink-modified")
            ? "copy it again from the original, with ditto"
            : "reinstall it from the original";

    // Paths hold the on-disk form first, then the sealed form (Diagnosis): the sealed form is what the copy changed from.
    private static string Direction(IReadOnlyList<SummaryDiagnosis> pairs)
    {
        var directions = pairs
            .Where(d => d.Paths.Count >= 2)
            .Select(d => $"{Form(d.Paths[1])} → {Form(d.Paths[0])}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return directions.Count == 1 ? directions[0] : "NFC ↔ NFD";
    }

    private static string Form(string name) => name.IsNormalized(NormalizationForm.FormC) ? "NFC" : "NFD";

    private static List<string> Paths(IReadOnlyList<SummaryDiagnosis> diagnoses) =>
        [.. diagnoses.SelectMany(d => d.Paths).Distinct(StringComparer.Ordinal)];

    private static string Listed(IReadOnlyList<string> paths) =>
        paths.Count == 0 ? "(none named)" : Escaped(paths[0]) + (paths.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" and {paths.Count - 1} more") : string.Empty);

    private static string At(string? path) => path is null ? string.Empty : " (" + Escaped(path) + ")";

    // A notification is read, not parsed: names stay as they are unless they hold control characters.
    private static string Escaped(string path) => path.Any(char.IsControl) ? FileSystem.FileNames.CodePoints(path) : path;

    private static string Count(int n, string one, string many) => string.Create(CultureInfo.InvariantCulture, $"{n} {(n == 1 ? one : many)}");
}
