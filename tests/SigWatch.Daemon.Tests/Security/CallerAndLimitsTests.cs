using Microsoft.Extensions.Logging;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Security;
using SigWatch.Daemon.Store;
using SigWatch.Platform.Peers;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Security;

/// <summary>Who is an admin, whose Downloads a root is, and the bounds on refusal logging and event streams.</summary>
public sealed class CallerAndLimitsTests
{
    private const uint DaemonUid = 501;

    private static PeerIdentity Peer(uint uid, uint gid = 20, params uint[] groups) => new(uid, gid, groups, 1234, null);

    [Fact]
    public void AdminPolicy_RootDaemonUserAndAdminGroupMembers_AreAdmins_ThroughSupplementaryGroupsToo()
    {
        var admins = new AdminPolicy(DaemonUid, new Dictionary<uint, string> { [80] = "admin" });
        Assert.Equal("root", admins.Classify(Peer(0)).Role);
        Assert.True(admins.Classify(Peer(DaemonUid)).IsAdmin);
        Assert.True(admins.Classify(Peer(600, 80)).IsAdmin);
        var supplementary = admins.Classify(Peer(601, 20, 12, 80));
        Assert.True(supplementary.IsAdmin);
        Assert.Equal("member of admin group admin (80)", supplementary.Role);
        var user = admins.Classify(Peer(602, 20, 12));
        Assert.False(user.IsAdmin);
        Assert.Equal("uid 602 is not root, not the daemon's user and in no admin group (admin 80)", user.Role);
    }

    [Fact]
    public void AdminPolicy_Resolve_TakesGidsAndKnownNames_AndReportsUnknownNames()
    {
        var (groups, unknown) = AdminPolicy.Resolve(["root", "4242", "no-such-group-here"]);
        Assert.Equal("root", groups[0]);
        Assert.Equal("gid 4242", groups[4242]);
        Assert.Equal(["no-such-group-here"], unknown);
    }

    [Fact]
    public void AdminPolicy_Resolve_NothingConfigured_UsesThePlatformDefaults()
    {
        var (groups, unknown) = AdminPolicy.Resolve([]);
        Assert.Equal(AdminPolicy.DefaultGroups.Count, groups.Count + unknown.Count);
        Assert.All(groups.Values.Concat(unknown), name => Assert.Contains(name, AdminPolicy.DefaultGroups));
    }

    [Fact]
    public void RefusalLog_AFloodFromOneUid_WritesTwoLinesAMinute_AndEachUidHasItsOwnWindow()
    {
        var clock = new ManualClock();
        var logger = new CollectingLogger();
        var log = new RefusalLog(logger, clock);
        for (var i = 0; i < 10_000; i++)
        {
            log.Note(65534, "uid 65534 is not allowed");
        }

        log.Note(70000, "uid 70000 is not allowed");
        Assert.Equal(2, logger.Lines.Count);
        clock.Advance(TimeSpan.FromSeconds(59));
        log.Flush();
        Assert.Equal(2, logger.Lines.Count);

        clock.Advance(TimeSpan.FromSeconds(2));
        log.Flush();
        Assert.Equal(3, logger.Lines.Count);
        Assert.Contains("Refused 9999 more times", logger.Lines[2], StringComparison.Ordinal);
        Assert.Contains("uid 65534", logger.Lines[2], StringComparison.Ordinal);
        Assert.Equal(10_001, log.Total);

        // A new minute starts a new window with a line of its own.
        log.Note(65534, "uid 65534 is not allowed");
        Assert.Equal(4, logger.Lines.Count);
    }

    [Fact]
    public void EventHub_SubscribersBeyondTheTotalOrPerUserLimit_AreRefused_AndReleasedOnDispose()
    {
        var hub = new EventHub(maxSubscribers: 3, maxSubscribersPerUser: 2);
        var a1 = hub.Subscribe(1);
        using var a2 = hub.Subscribe(1);
        var perUser = Assert.Throws<SubscriberLimitException>(() => hub.Subscribe(1));
        Assert.Contains("uid 1 already has 2 event streams open (MaxWatchersPerUser)", perUser.Message, StringComparison.Ordinal);
        using var b1 = hub.Subscribe(2);
        var total = Assert.Throws<SubscriberLimitException>(() => hub.Subscribe(3));
        Assert.Contains("MaxWatchers", total.Message, StringComparison.Ordinal);

        a1.Dispose();
        a1.Dispose();
        using var a3 = hub.Subscribe(1);
        Assert.Equal(3, hub.SubscriberCount);
    }

    [LinuxFact]
    public void RootVisibility_ADownloadsFolderOwnedByAUser_IsHiddenFromOthers_NotFromItsOwnerOrAdmins()
    {
        using var dir = new TempDirectory();
        var downloads = Directory.CreateDirectory(dir.Combine("home", "Downloads")).FullName;
        var applications = Directory.CreateDirectory(dir.Combine("Applications")).FullName;
        var visibility = new RootVisibility(new DaemonOptions { Roots = [downloads, applications] }, TimeProvider.System);
        var admins = new AdminPolicy(DaemonUid, new Dictionary<uint, string>());
        if (Platform.ProcessIdentity.IsRoot)
        {
            // A Downloads folder root owns belongs to nobody in particular; give it to a user, as a home's would be.
            Assert.Null(visibility.OwnerOf(downloads));
            using var chown = System.Diagnostics.Process.Start("chown", ["60001", downloads]);
            chown.WaitForExit();
            visibility = new RootVisibility(new DaemonOptions { Roots = [downloads, applications] }, TimeProvider.System);
        }

        var owner = Platform.FileKinds.Stat(downloads).OwnerUid;
        Assert.NotEqual(0u, owner);
        Assert.Equal(owner, visibility.OwnerOf(downloads));
        Assert.Null(visibility.OwnerOf(applications));
        var other = admins.Classify(Peer(owner + 1));
        Assert.Equal([downloads], visibility.HiddenFrom(other));
        Assert.Contains($"visible only to uid {owner} and admins", visibility.Denial(other, downloads), StringComparison.Ordinal);
        Assert.Null(visibility.Denial(other, applications));
        Assert.Empty(visibility.HiddenFrom(admins.Classify(Peer(owner))));
        Assert.Empty(visibility.HiddenFrom(admins.Classify(Peer(0))));
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class CollectingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
