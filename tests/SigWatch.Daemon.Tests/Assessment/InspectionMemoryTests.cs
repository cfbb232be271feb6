using SigWatch.Core.Assessment;
using SigWatch.Platform;
using SigWatch.Daemon.Assessment;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Assessment;

/// <summary>What the worker keeps between assessments is bounded by bundles and by files, least recently assessed first.</summary>
public sealed class InspectionMemoryTests : IDisposable
{
    private readonly TempDirectory _temp = new("memory");

    public void Dispose() => _temp.Dispose();

    // A real inspection of a real tree: AppTree makes Info.plist, the executable and `resources` files.
    private BundleAssessment Inspect(string name, int resources) =>
        new BundleAssessor(new BundleAssessorOptions { Tree = LstatFileTree.Instance })
            .Assess(AppTree.Create(_temp.Combine(name), "com.example." + name.ToLowerInvariant().Replace(".app", string.Empty), resources))!;

    [Fact]
    public void Remember_BeyondTheBundleCap_ForgetsTheLeastRecentlyAssessed()
    {
        var memory = new InspectionMemory(maxBundles: 2, maxFiles: 1000);
        memory.Remember("/a", Inspect("A.app", 1));
        memory.Remember("/b", Inspect("B.app", 1));
        Assert.NotNull(memory.Take("/a")); // assessed again: now the most recent
        memory.Remember("/a", Inspect("A.app", 1));
        memory.Remember("/c", Inspect("C.app", 1));
        Assert.Null(memory.Take("/b"));
        Assert.NotNull(memory.Take("/a"));
        Assert.NotNull(memory.Take("/c"));
        Assert.Equal((0, 0L), (memory.Count, memory.Files));
    }

    [Fact]
    public void Remember_BeyondTheFileBudget_ForgetsOldestUntilItFits_AndNeverKeepsOneLargerThanTheBudget()
    {
        var memory = new InspectionMemory(maxBundles: 100, maxFiles: 20);
        memory.Remember("/small1", Inspect("S1.app", 3)); // 5 files
        memory.Remember("/small2", Inspect("S2.app", 3)); // 5 files
        memory.Remember("/medium", Inspect("M.app", 10));  // 12 files: 22 > 20, so /small1 goes
        Assert.Equal((2, 17L), (memory.Count, memory.Files));
        Assert.Null(memory.Take("/small1"));

        memory.Remember("/huge", Inspect("H.app", 30));     // 32 files: larger than the whole budget
        Assert.Null(memory.Take("/huge"));
        Assert.NotNull(memory.Take("/medium"));
    }

    [Fact]
    public void Take_RemovesTheEntry_SoAFailedAssessmentLeavesNothingStale()
    {
        var memory = new InspectionMemory();
        memory.Remember("/a", Inspect("A.app", 2));
        Assert.NotNull(memory.Take("/a"));
        Assert.Null(memory.Take("/a"));
        Assert.Equal(0, memory.Files);
    }
}
