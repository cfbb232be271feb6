using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Core.Plist;
using SigWatch.Core.Quarantine;

namespace SigWatch.Core.Tests.Quarantine;

public sealed class QuarantineStoryTests
{
    [Fact]
    public void Describe_WithProvenance_ReadsAsOneSentence()
    {
        var story = new QuarantineStory
        {
            Quarantine = QuarantineInfo.Parse("0083;6723b9fa;Safari;02162070-0D2C-4A3B-9AE2-1234567890AB"),
            Provenance = new ProvenanceLookup(ProvenanceLookupStatus.Found, new QuarantineEvent
            {
                EventId = "02162070-0D2C-4A3B-9AE2-1234567890AB",
                AgentName = "Safari",
                AgentBundleIdentifier = "com.apple.Safari",
                DataUrl = "https://example.com/App.zip",
                OriginUrl = "https://example.com/download",
                Time = new DateTimeOffset(2024, 10, 31, 17, 0, 10, TimeSpan.Zero),
            }, "db"),
        };

        Assert.Equal(
            "Downloaded by Safari (com.apple.Safari) from https://example.com/App.zip on 2024-10-31 17:00:10 UTC; linked from https://example.com/download; approved by the user: no",
            story.Describe());
    }

    [Fact]
    public void Describe_NotQuarantinedButFilesInside_SaysSo()
    {
        var story = new QuarantineStory { QuarantinedFileCount = 2, QuarantinedFiles = ["Contents/Resources/a", "Contents/Resources/b"] };
        Assert.Equal("Not quarantined; 2 file(s) inside carry quarantine", story.Describe());
    }

    [Fact]
    public void DecodeWhereFroms_BinaryPlistArray_GivesTheUrlsInOrder()
    {
        var bytes = BinaryPropertyListWriter.Write(new PlistArray(new PlistString("https://dl.example.com/a.dmg"), new PlistString("https://example.com/")));
        var (urls, error) = QuarantineStory.DecodeWhereFroms(bytes);
        Assert.Null(error);
        Assert.Equal(["https://dl.example.com/a.dmg", "https://example.com/"], urls);
    }

    [Fact]
    public void DecodeWhereFroms_Garbage_IsAnErrorNotAnException()
    {
        var (urls, error) = QuarantineStory.DecodeWhereFroms("bplist00garbage"u8);
        Assert.Empty(urls);
        Assert.Contains("not a property list", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_QuarantineRemovedFromNeverApprovedApp_IsCriticalPossibleBypass()
    {
        var before = new BundleFacts { Quarantine = new QuarantineStory { Quarantine = QuarantineInfo.Parse("0083;6723b9fa;Safari;") } };
        var after = new BundleFacts { Quarantine = new QuarantineStory() };
        var change = Assert.Single(AssessmentComparison.Compare(before, after));
        Assert.Equal(EventKind.QuarantineRemoved, change.Kind);
        Assert.Equal(ChangeSeverity.Critical, change.Severity);
        Assert.Equal([AssessmentComparison.PossibleGatekeeperBypass], change.Flags);
    }

    [Fact]
    public void Compare_QuarantineRemovedFromApprovedApp_IsAWarningWithoutBypassFlag()
    {
        var before = new BundleFacts { Quarantine = new QuarantineStory { Quarantine = QuarantineInfo.Parse("00c3;6723b9fa;Safari;") } };
        var change = Assert.Single(AssessmentComparison.Compare(before, new BundleFacts { Quarantine = new QuarantineStory() }));
        Assert.Equal(ChangeSeverity.Warning, change.Severity);
        Assert.Empty(change.Flags);
    }

    [Fact]
    public void Compare_ApprovalBitSet_IsQuarantineChanged_AddedIsQuarantineAdded()
    {
        var none = new BundleFacts { Quarantine = new QuarantineStory() };
        var fresh = new BundleFacts { Quarantine = new QuarantineStory { Quarantine = QuarantineInfo.Parse("0083;6723b9fa;Safari;") } };
        var approved = new BundleFacts { Quarantine = new QuarantineStory { Quarantine = QuarantineInfo.Parse("00c3;6723b9fa;Safari;") } };
        Assert.Equal(EventKind.QuarantineAdded, Assert.Single(AssessmentComparison.Compare(none, fresh)).Kind);
        var changed = Assert.Single(AssessmentComparison.Compare(fresh, approved));
        Assert.Equal(EventKind.QuarantineChanged, changed.Kind);
        Assert.Contains("now approved", changed.Summary, StringComparison.Ordinal);
    }
}
