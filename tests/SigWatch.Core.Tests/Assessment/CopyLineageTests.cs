using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;

namespace SigWatch.Core.Tests.Assessment;

/// <summary>Copy lineage: which sighting a bundle came from, copy or move, and the events that follow.</summary>
public sealed class CopyLineageTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly FileIdentity s_sourceDirectory = new(2049, 1000);
    private static readonly FileIdentity s_copyDirectory = new(2049, 2000);

    private static SignatureSummary Signature(string verdict, string cdhash = "cd01", string? digest = "rd01") => new()
    {
        Verdict = verdict,
        Classification = "ad-hoc",
        Identifier = "com.example.slack",
        CdHash = cdhash,
        ResourcesDigest = digest,
        Findings = verdict == "valid" ? [] : [new SummaryFinding("normalization-mismatch", "error", "Resources/Caf\u00e9.txt", "d")],
        Diagnoses = verdict == "valid" ? [] : [new SummaryDiagnosis("normalization-mismatch", ["Resources/Caf\u00e9.txt", "Resources/Cafe\u0301.txt"], "e", "r")],
    };

    private static BundleFacts Facts(string verdict, string cdhash = "cd01", string? digest = "rd01") =>
        new() { BundleIdentifier = "com.example.slack", Signature = Signature(verdict, cdhash, digest) };

    private static ValidSighting Seen(string path, FileIdentity? directory, DateTimeOffset? removed = null, string cdhash = "cd01", string? digest = "rd01") =>
        new(7, path, "/Volumes", 70, s_now.AddMinutes(-5), BundleIdentity.Of(Facts("valid", cdhash, digest))!, directory, removed);

    [Fact]
    public void Identity_IsTheSameCode_ByCdHashOrBySealedResources_UnderTheSameIdentifierAndTeam()
    {
        var a = BundleIdentity.Of(Facts("valid"))!;
        Assert.True(a.IsSameCodeAs(BundleIdentity.Of(Facts("invalid"))!));
        Assert.True(a.IsSameCodeAs(BundleIdentity.Of(Facts("valid", cdhash: "other"))!));
        Assert.True(a.IsSameCodeAs(BundleIdentity.Of(Facts("valid", digest: "other"))!));
        Assert.False(a.IsSameCodeAs(BundleIdentity.Of(Facts("valid", cdhash: "other", digest: "other"))!));
        Assert.False(a.IsSameCodeAs(a with { TeamId = "ABCDE12345" }));
        Assert.Null(BundleIdentity.Of(new BundleFacts { BundleIdentifier = "com.example.unsigned" }));
    }

    [Fact]
    public void IsArrival_NewOrReplacedByOtherCode_NotTheSameCodeBreakingAtRest()
    {
        Assert.True(CopyLineage.IsArrival(null, Facts("invalid")));
        Assert.True(CopyLineage.IsArrival(Facts("valid", cdhash: "old", digest: "old"), Facts("invalid")));
        Assert.False(CopyLineage.IsArrival(Facts("valid"), Facts("invalid")));
    }

    [Fact]
    public void Trace_SourceStillThere_IsACopy_SameDirectory_IsAMove_SourceJustGone_IsAMove()
    {
        var sightings = new[] { Seen("/Volumes/Slack/Slack.app", s_sourceDirectory) };
        var copy = CopyLineage.Trace("/Applications/Slack.app", Facts("invalid"), s_copyDirectory, sightings, _ => true, s_now);
        Assert.Equal(ArrivalKind.Copy, copy!.Kind);
        Assert.Equal("/Volumes/Slack/Slack.app", copy.Source.Path);

        var moved = CopyLineage.Trace("/Applications/Slack.app", Facts("valid"), s_sourceDirectory, sightings, _ => false, s_now);
        Assert.Equal(ArrivalKind.Move, moved!.Kind);

        var acrossDisks = CopyLineage.Trace("/Applications/Slack.app", Facts("valid"), s_copyDirectory, sightings, _ => false, s_now);
        Assert.Equal(ArrivalKind.Move, acrossDisks!.Kind);

        var longGone = new[] { Seen("/Volumes/Slack/Slack.app", s_sourceDirectory, removed: s_now.AddDays(-3)) };
        Assert.Equal(ArrivalKind.Copy, CopyLineage.Trace("/Applications/Slack.app", Facts("invalid"), s_copyDirectory, longGone, _ => false, s_now)!.Kind);
    }

    [Fact]
    public void Trace_SeveralOriginals_PrefersAMountedVolume_ThenDownloads_OverAnotherInstalledCopy()
    {
        var installed = Seen("/Applications/Other.app", new FileIdentity(1, 1)) with { Root = "/Applications", ValidAt = s_now.AddMinutes(-1) };
        var downloads = Seen("/Users/a/Downloads/Slack.app", new FileIdentity(1, 2)) with { Root = "/Users/a/Downloads", ValidAt = s_now.AddMinutes(-30) };
        var volume = Seen("/Volumes/Slack/Slack.app", new FileIdentity(3, 3)) with { FromSourceRoot = true, ValidAt = s_now.AddHours(-2) };
        Assert.Equal(volume.Path, CopyLineage.Trace("/Applications/Slack.app", Facts("invalid"), s_copyDirectory, [installed, downloads, volume], _ => true, s_now)!.Source.Path);
        Assert.Equal(downloads.Path, CopyLineage.Trace("/Applications/Slack.app", Facts("invalid"), s_copyDirectory, [installed, downloads], _ => true, s_now)!.Source.Path);
    }

    [Fact]
    public void Trace_OtherCode_ItselfOrLaterSightings_AreNoOrigin()
    {
        Assert.Null(CopyLineage.Trace("/Applications/Slack.app", Facts("invalid"), s_copyDirectory,
            [Seen("/Volumes/Slack/Slack.app", s_sourceDirectory, cdhash: "x", digest: "y")], _ => true, s_now));
        Assert.Null(CopyLineage.Trace("/Applications/Slack.app", Facts("invalid"), s_copyDirectory, [Seen("/Applications/Slack.app", s_copyDirectory)], _ => true, s_now));
        Assert.Null(CopyLineage.Trace("/Applications/Slack.app", Facts("invalid"), s_copyDirectory, [Seen("/Volumes/Slack/Slack.app", null)], _ => true, s_now.AddHours(-1)));
    }

    [Fact]
    public void Apply_ABrokenCopy_IsOneCriticalCopyBrokeSeal_TheAppearanceStepsBackToInfo()
    {
        var appeared = AssessmentComparison.Appeared(Facts("invalid"), reappeared: false, RootKind.Installed);
        var arrival = new Arrival(ArrivalKind.Copy, Seen("/Volumes/Slack/Slack.app", s_sourceDirectory));
        var changes = CopyLineage.Apply(appeared, Facts("invalid"), arrival, "Slack.app");
        Assert.Equal(ChangeSeverity.Info, changes.Single(c => c.Kind == EventKind.BundleAppeared).Severity);
        var copy = changes.Single(c => c.Kind == EventKind.CopyBrokeSeal);
        Assert.Equal(ChangeSeverity.Critical, copy.Severity);
        Assert.Equal([CopyLineage.CopyFlag], copy.Flags);
        Assert.StartsWith("Slack.app's seal broke when it was copied from /Volumes/Slack/Slack.app: 1 file name changed Unicode form (NFD → NFC) — copy it again with ditto",
            copy.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ABrokenReplacement_IsACopyBrokeSealInsteadOfASealBroken()
    {
        var replaced = AssessmentComparison.Compare(Facts("valid", "old", "old"), Facts("invalid"));
        Assert.Contains(replaced, c => c.Kind == EventKind.SealBroken);
        var changes = CopyLineage.Apply(replaced, Facts("invalid"), new Arrival(ArrivalKind.Copy, Seen("/Volumes/Slack/Slack.app", null)), "Slack.app");
        Assert.DoesNotContain(changes, c => c.Kind == EventKind.SealBroken);
        Assert.Single(changes, c => c.Kind == EventKind.CopyBrokeSeal);
    }

    [Fact]
    public void Apply_AGoodCopyOrAMove_IsOnlyNotedOnTheAppearance()
    {
        var appeared = AssessmentComparison.Appeared(Facts("valid"), reappeared: false, RootKind.Installed);
        var copy = CopyLineage.Apply(appeared, Facts("valid"), new Arrival(ArrivalKind.Copy, Seen("/Volumes/Slack/Slack.app", null)), "Slack.app");
        var change = Assert.Single(copy);
        Assert.Equal(EventKind.BundleAppeared, change.Kind);
        Assert.Contains("; copied from /Volumes/Slack/Slack.app (valid there at 2026-12-02 08:55:00Z)", change.Summary, StringComparison.Ordinal);

        var move = CopyLineage.Apply(AssessmentComparison.Appeared(Facts("invalid"), false, RootKind.Installed), Facts("invalid"),
            new Arrival(ArrivalKind.Move, Seen("/Users/a/Downloads/Slack.app", s_sourceDirectory)), "Slack.app");
        Assert.DoesNotContain(move, c => c.Kind == EventKind.CopyBrokeSeal);
        Assert.Contains("; moved from /Users/a/Downloads/Slack.app", Assert.Single(move).Summary, StringComparison.Ordinal);
    }
}
