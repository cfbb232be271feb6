using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;

namespace SigWatch.Core.Tests.Assessment;

/// <summary>The notification sentence for each diagnosis kind, one by one, then their combinations and the fallbacks.</summary>
public sealed class SealBreakSentencesTests
{
    private const string Nfd = "Resources/Cafe\u0301.txt";
    private const string Nfc = "Resources/Caf\u00e9.txt";

    private static SignatureSummary Broken(IReadOnlyList<SummaryDiagnosis> diagnoses, params SummaryFinding[] findings) => new()
    {
        Verdict = "invalid",
        Classification = "ad-hoc",
        Findings = findings,
        FindingCount = findings.Length,
        Diagnoses = diagnoses,
    };

    private static SummaryFinding Error(string kind, string path) => new(kind, "error", path, "detail");

    [Fact]
    public void NormalizationMismatch_CountsTheNamesAndSaysWhichWayTheyChanged()
    {
        var pair = new SummaryDiagnosis("normalization-mismatch", [Nfc, Nfd], "explanation", "remedy");
        Assert.Equal("1 file name changed Unicode form (NFD → NFC) — copy it again with ditto (the Finder or the file server changed the names)",
            SealBreakSentences.Describe(Broken([pair], Error("normalization-mismatch", Nfc))));

        var many = Enumerable.Range(0, 148).Select(i => new SummaryDiagnosis("normalization-mismatch", [$"{Nfc}{i}", $"{Nfd}{i}"], "e", "r")).ToList();
        Assert.StartsWith("148 file names changed Unicode form (NFD → NFC) — ", SealBreakSentences.Describe(Broken(many)), StringComparison.Ordinal);

        var reversed = new SummaryDiagnosis("normalization-mismatch", [Nfd, Nfc], "e", "r");
        Assert.StartsWith("1 file name changed Unicode form (NFC → NFD)", SealBreakSentences.Describe(Broken([reversed])), StringComparison.Ordinal);
        Assert.StartsWith("2 file names changed Unicode form (NFC ↔ NFD)", SealBreakSentences.Describe(Broken([pair, reversed])), StringComparison.Ordinal);
    }

    [Fact]
    public void AddedAfterSigning_NamesTheFile_AndTellsAddedFromModified()
    {
        var added = new SummaryDiagnosis("added-after-signing", ["Resources/devel.lic"], "e", "r");
        Assert.Equal("1 file added after signing: Resources/devel.lic — something wrote into the app's own bundle (often the app itself); reinstall it",
            SealBreakSentences.Describe(Broken([added], Error("file-added", "Resources/devel.lic"))));

        var modified = new SummaryDiagnosis("added-after-signing", ["Resources/a.txt", "Resources/b.txt"], "e", "r");
        Assert.StartsWith("2 files modified after signing: Resources/a.txt and 1 more — ",
            SealBreakSentences.Describe(Broken([modified], Error("file-modified", "Resources/a.txt"), Error("file-modified", "Resources/b.txt"))), StringComparison.Ordinal);
        Assert.StartsWith("2 files added or modified after signing: ",
            SealBreakSentences.Describe(Broken([modified], Error("file-added", "Resources/a.txt"), Error("file-modified", "Resources/b.txt"))), StringComparison.Ordinal);
    }

    [Fact]
    public void AppleDouble_CountsTheDebrisAndSaysWhereItCameFrom()
    {
        var debris = new SummaryDiagnosis("appledouble", ["Resources/._icon.icns", "__MACOSX"], "e", "r");
        Assert.Equal("2 AppleDouble items (._*, __MACOSX) added: Resources/._icon.icns and 1 more — it passed through a non-Mac file system or archiver; copy it again with ditto",
            SealBreakSentences.Describe(Broken([debris], Error("file-added", "Resources/._icon.icns"))));
    }

    [Fact]
    public void QuarantineInside_AloneOnAValidBundle_IsItsOwnSentence_BesideABreakItIsAddedToTheReason()
    {
        var quarantined = new SummaryDiagnosis("quarantine-inside-bundle", ["Resources/x.dylib"], "e", "r");
        var valid = Broken([quarantined]) with { Verdict = "valid" };
        Assert.Equal("1 quarantined file inside: Resources/x.dylib — Gatekeeper will assess those files again; clear them with xattr -dr com.apple.quarantine",
            SealBreakSentences.Describe(valid));

        var added = new SummaryDiagnosis("added-after-signing", ["Resources/x.dylib"], "e", "r");
        Assert.Equal("1 file added after signing: Resources/x.dylib; 1 quarantined file inside: Resources/x.dylib — something wrote into the app's own bundle (often the app itself); reinstall it",
            SealBreakSentences.Describe(Broken([quarantined, added], Error("file-added", "Resources/x.dylib"))));

        // Quarantine does not break a seal: with other errors and no diagnosis for them, the findings lead.
        Assert.StartsWith("1 file missing: Resources/gone.txt; 1 quarantined file inside",
            SealBreakSentences.Describe(Broken([quarantined], Error("file-missing", "Resources/gone.txt"))), StringComparison.Ordinal);
    }

    [Fact]
    public void NoDiagnosis_CountsTheFindingsOrNamesTheDamage()
    {
        Assert.Equal("2 files modified, 1 file missing: Resources/a.txt … — copy it again from the original, with ditto",
            SealBreakSentences.Describe(Broken([], Error("file-modified", "Resources/a.txt"), Error("file-modified", "Resources/b.txt"), Error("file-missing", "Resources/c.txt"))));
        Assert.Equal("the main executable was modified (MacOS/App) — reinstall it from the original",
            SealBreakSentences.Describe(Broken([], Error("page-hash-mismatch", "MacOS/App"))));
        Assert.Equal("the code lost its signature (MacOS/App) — reinstall it from the original",
            SealBreakSentences.Describe(Broken([], Error("not-signed", "MacOS/App"))));
        Assert.Equal("nested code no longer verifies (Frameworks/Kit.framework) — reinstall it from the original",
            SealBreakSentences.Describe(Broken([], Error("nested-code-invalid", "Frameworks/Kit.framework"))));
        Assert.Equal("the resource seal (_CodeSignature/CodeResources) was changed — reinstall it from the original",
            SealBreakSentences.Describe(Broken([], Error("special-slot-mismatch", "_CodeSignature/CodeResources"))));
    }
}
