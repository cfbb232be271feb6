using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon.Tests.Watching;

public sealed class ActivityTrackerTests
{
    /// <summary>A hand-driven clock (TimeProvider is the BCL's seam; the tracker is the real one).</summary>
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    private static readonly WorkItem s_app = new(WorkKind.Bundle, "/r/A.app", "/r");

    [Fact]
    public void TakeSettled_ActivityKeepsComing_NothingReleasedUntilQuiet()
    {
        var time = new ManualTime();
        var tracker = new ActivityTracker(time);
        for (var i = 0; i < 10; i++)
        {
            tracker.Touch(s_app);
            time.Advance(TimeSpan.FromMilliseconds(500));
            Assert.Empty(tracker.TakeSettled(TimeSpan.FromSeconds(2)));
        }

        time.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Equal([s_app], tracker.TakeSettled(TimeSpan.FromSeconds(2)).Select(s => s.Item));
        Assert.Empty(tracker.TakeSettled(TimeSpan.FromSeconds(2)));
        Assert.Equal(0, tracker.PendingCount);
    }

    [Fact]
    public void IsSettling_TrueFromTheFirstTouchUntilTheItemIsTaken()
    {
        var time = new ManualTime();
        var tracker = new ActivityTracker(time);
        Assert.False(tracker.IsSettling(s_app));

        tracker.Touch(s_app, "/r/A.app/Contents/Info.plist");
        Assert.True(tracker.IsSettling(s_app));
        Assert.False(tracker.IsSettling(s_app with { Path = "/r/B.app" }));

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Single(tracker.TakeSettled(TimeSpan.FromSeconds(2)));
        Assert.False(tracker.IsSettling(s_app));
    }

    [Fact]
    public async Task ActivityPending_NothingPending_CompletesAtTheNextTouchOnly()
    {
        var time = new ManualTime();
        var tracker = new ActivityTracker(time);

        var idle = tracker.ActivityPending();
        Assert.False(idle.IsCompleted);
        Assert.Same(idle, tracker.ActivityPending()); // a waiter that timed out waits on the same signal, not a new one

        tracker.Touch(s_app);
        await idle.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(tracker.ActivityPending().IsCompleted);

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Single(tracker.TakeSettled(TimeSpan.FromSeconds(2)));
        Assert.False(tracker.ActivityPending().IsCompleted);
    }

    [Fact]
    public void TakeSettled_NeverQuiet_IsReleasedAfterTheMaximumWaitMarkedUnstable()
    {
        var time = new ManualTime();
        var tracker = new ActivityTracker(time);
        for (var i = 0; i < 25; i++)
        {
            tracker.Touch(s_app);
            time.Advance(TimeSpan.FromMilliseconds(500));
            var released = tracker.TakeSettled(TimeSpan.FromSeconds(2), maxWait: TimeSpan.FromSeconds(10));
            if (released.Count > 0)
            {
                Assert.Equal(s_app with { Unstable = true }, Assert.Single(released).Item);
                Assert.Equal(19, i); // 20 touches x 500 ms = 10 s
                return;
            }
        }

        Assert.Fail("a bundle that never settles must be released after the maximum wait");
    }

    [Fact]
    public void TakeSettled_ManyTouchesOfOneBundle_ReleaseItOnce()
    {
        var time = new ManualTime();
        var tracker = new ActivityTracker(time);
        var other = s_app with { Path = "/r/B.app" };
        for (var i = 0; i < 1000; i++)
        {
            tracker.Touch(s_app);
        }

        tracker.Touch(other);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, tracker.TakeSettled(TimeSpan.FromSeconds(2)).Count);
    }

    [Fact]
    public void TakeSettled_EventsNamingPaths_ReleaseTheItemWithThosePaths()
    {
        var time = new ManualTime();
        var tracker = new ActivityTracker(time);
        tracker.Touch(s_app, "/r/A.app/Contents/Resources/a");
        tracker.Touch(s_app, "/r/A.app/Contents/Resources/b");
        tracker.Touch(s_app, "/r/A.app/Contents/Resources/a");
        time.Advance(TimeSpan.FromSeconds(3));
        var settled = Assert.Single(tracker.TakeSettled(TimeSpan.FromSeconds(2)));
        Assert.Equal(["/r/A.app/Contents/Resources/a", "/r/A.app/Contents/Resources/b"], settled.Changes.Paths!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TakeSettled_ACauseThatIsNotAPath_MakesTheChangesUnknown()
    {
        var time = new ManualTime();
        var tracker = new ActivityTracker(time);
        tracker.Touch(s_app, "/r/A.app/Contents/Resources/a");
        tracker.Touch(s_app);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Null(Assert.Single(tracker.TakeSettled(TimeSpan.FromSeconds(2))).Changes.Paths);
    }

    [Fact]
    public void PathChanges_MoreThanTheLimit_BecomeUnknown()
    {
        var changes = PathChanges.Empty();
        for (var i = 0; i < PathChanges.MaxPaths; i++)
        {
            changes.Add($"/r/A.app/f{i}");
        }

        Assert.Equal(PathChanges.MaxPaths, changes.Paths!.Count);
        changes.Add("/r/A.app/f0"); // already there: still known
        Assert.NotNull(changes.Paths);
        changes.Add("/r/A.app/one-more");
        Assert.Null(changes.Paths);
    }

    private static AssessmentQueue Queue(int capacity = AssessmentQueue.DefaultCapacity) =>
        new(Microsoft.Extensions.Logging.Abstractions.NullLogger<AssessmentQueue>.Instance, capacity);

    [Fact]
    public void AssessmentQueue_SameItemTwiceWhileWaiting_QueuedThenMerged_QueuedAgainAfterTaken()
    {
        var queue = Queue();
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(s_app));
        Assert.Equal(EnqueueResult.Merged, queue.Enqueue(s_app));
        Assert.True(queue.Reader.TryRead(out var work));
        Assert.Equal(s_app, work.Item);
        queue.Take(work);
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(s_app));
    }

    [Fact]
    public void AssessmentQueue_ItemQueuedAgainWhileWaiting_PathsMerged_UnknownWins()
    {
        var queue = Queue();
        var first = PathChanges.Empty();
        first.Add("/r/A.app/x");
        var second = PathChanges.Empty();
        second.Add("/r/A.app/y");
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(s_app, first));
        Assert.Equal(EnqueueResult.Merged, queue.Enqueue(s_app, second));
        Assert.True(queue.Reader.TryRead(out var work));
        Assert.Equal(["/r/A.app/x", "/r/A.app/y"], queue.Take(work).Paths!.Order(StringComparer.Ordinal));

        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(s_app, first));
        Assert.Equal(EnqueueResult.Merged, queue.Enqueue(s_app)); // a reconcile: what changed is not known
        Assert.True(queue.Reader.TryRead(out work));
        Assert.Null(queue.Take(work).Paths);
    }

    [Fact]
    public void AssessmentQueue_Full_RefusesSaysSo_AndHandsBackTheRootOnceThereIsRoom()
    {
        var queue = Queue(capacity: 2);
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(new WorkItem(WorkKind.Bundle, "/r/A.app", "/r")));
        Assert.Equal(EnqueueResult.Queued, queue.Enqueue(new WorkItem(WorkKind.Bundle, "/r/B.app", "/r")));
        Assert.Equal(EnqueueResult.Full, queue.Enqueue(new WorkItem(WorkKind.Bundle, "/r/C.app", "/r")));
        Assert.Equal(2, queue.Count);
        Assert.Empty(queue.TakeOverflowedRoots()); // still full: not yet

        Assert.True(queue.Reader.TryRead(out var work));
        queue.Take(work);

        Assert.Equal(["/r"], queue.TakeOverflowedRoots());
        Assert.Empty(queue.TakeOverflowedRoots()); // once per episode
    }
}
