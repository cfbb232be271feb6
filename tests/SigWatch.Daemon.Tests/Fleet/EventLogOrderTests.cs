using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Daemon.Fleet;
using SigWatch.Daemon.Store;

namespace SigWatch.Daemon.Tests.Fleet;

/// <summary>The order lines reach the event log in: each kind in id order, an assessment before the events it caused.</summary>
public sealed class EventLogOrderTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static FleetRecord Event(long id, int second, long? assessment = null) =>
        new(new EventRecord(id, s_t0.AddSeconds(second), "bundle-appeared", 1, "/Applications/A.app", assessment, "s", ChangeSeverity.Info, []),
            null, null, null, null);

    private static FleetRecord Assessment(long id, int second) =>
        new(null, new AssessmentRecord(id, 1, s_t0.AddSeconds(second), new BundleFacts()), null, null, null);

    private static string Describe(FleetRecord r) => r.Event is { } e ? $"e{e.Id}" : $"a{r.Assessment!.Id}";

    [Fact]
    public void Events_WhoseTimesAreOutOfIdOrder_StayInIdOrder()
    {
        // Two workers: event 1 was committed first, but its assessment began after event 2's did.
        var merged = EventLogWriter.InCommitOrder([], [Event(1, 5), Event(2, 3), Event(3, 4)]);
        Assert.Equal(["e1", "e2", "e3"], merged.Select(Describe));
    }

    [Fact]
    public void AnAssessment_GoesBeforeItsEvents_EvenWhenAnEarlierEventHasALaterTime()
    {
        var merged = EventLogWriter.InCommitOrder(
            [Assessment(7, 3), Assessment(8, 1)],
            [Event(1, 9), Event(2, 3, assessment: 7), Event(3, 1, assessment: 8), Event(4, 0)]);
        Assert.Equal(["a7", "e1", "e2", "a8", "e3", "e4"], merged.Select(Describe));
        Assert.Equal([1L, 2, 3, 4], merged.Where(r => r.Event is not null).Select(r => r.Event!.Id));
        Assert.Equal([7L, 8], merged.Where(r => r.Event is null).Select(r => r.Assessment!.Id));
    }

    [Fact]
    public void UnrelatedLines_GoByTime_AssessmentFirstOnATie()
    {
        var merged = EventLogWriter.InCommitOrder([Assessment(1, 2), Assessment(2, 4)], [Event(1, 1), Event(2, 2), Event(3, 5)]);
        Assert.Equal(["e1", "a1", "e2", "a2", "e3"], merged.Select(Describe));
    }
}
