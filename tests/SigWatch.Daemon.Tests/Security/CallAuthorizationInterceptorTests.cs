using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Security;
using SigWatch.Platform.Peers;

namespace SigWatch.Daemon.Tests.Security;

/// <summary>Authorization of every call in one place: who the caller is, what it may call, and how long it may take.</summary>
public sealed class CallAuthorizationInterceptorTests
{
    private const string Status = "/sigwatch.v1.SigWatch/GetStatus";
    private const string Rescan = "/sigwatch.v1.SigWatchControl/Rescan";

    private static CallAuthorizationInterceptor Interceptor(double timeoutSeconds = 30) => new(
        new AdminPolicy(501, new Dictionary<uint, string> { [80] = "admin" }),
        new DaemonOptions { CallTimeoutSeconds = timeoutSeconds },
        new RefusalLog(NullLogger.Instance, TimeProvider.System));

    private static PeerDecision Admitted(uint uid, uint gid = 20, params uint[] groups) =>
        new(true, "admitted", new PeerIdentity(uid, gid, groups, 4242, null));

    [Fact]
    public async Task ReadOnlyCall_OfAnAdmittedPeer_RunsWithItsCallerAttached()
    {
        var context = new TestCallContext(Status, Admitted(600));
        var caller = await Interceptor().UnaryServerHandler<string, Caller>(
            "request", context, (_, c) => Task.FromResult(Caller.Of(c)));
        Assert.Equal(600u, caller.UserId);
        Assert.False(caller.IsAdmin);
    }

    [Fact]
    public async Task ControlCall_OfANonAdmin_IsPermissionDeniedNamingTheRule_AndNeverRuns()
    {
        var ran = false;
        var e = await Assert.ThrowsAsync<RpcException>(() => Interceptor().UnaryServerHandler<string, string>(
            "request", new TestCallContext(Rescan, Admitted(600)), (_, _) => { ran = true; return Task.FromResult("done"); }));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("Rescan is an admin action (root, the daemon's user, or an admin group); uid 600 is not root, not the daemon's user and in no admin group (admin 80)", e.Status.Detail);
        Assert.False(ran);
    }

    [Fact]
    public async Task ControlCall_OfASupplementaryAdminGroupMember_Runs() =>
        Assert.Equal("done", await Interceptor().UnaryServerHandler<string, string>(
            "request", new TestCallContext(Rescan, Admitted(600, 20, 12, 80)), (_, _) => Task.FromResult("done")));

    [Fact]
    public async Task Call_OnAConnectionTheGateDidNotAdmit_IsPermissionDenied()
    {
        var refused = new PeerDecision(false, "uid 9 is not allowed", null);
        foreach (var decision in new PeerDecision?[] { null, refused })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => Interceptor().UnaryServerHandler<string, string>(
                "request", new TestCallContext(Status, decision), (_, _) => Task.FromResult("done")));
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        }
    }

    [Fact]
    public async Task UnaryCall_ThatBlocksPastTheTimeout_EndsWithDeadlineExceeded()
    {
        using var release = new ManualResetEventSlim();
        var e = await Assert.ThrowsAsync<RpcException>(() => Interceptor(timeoutSeconds: 0.2).UnaryServerHandler<string, string>(
            "request", new TestCallContext(Status, Admitted(600)), (_, _) =>
            {
                release.Wait(TimeSpan.FromSeconds(30)); // a handler stuck in a synchronous read
                return Task.FromResult("late");
            }));
        release.Set();
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Contains("0.2 s", e.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>A call context as Grpc.AspNetCore gives one, with the connection's items where the gate leaves its decision.</summary>
    private sealed class TestCallContext : ServerCallContext
    {
        private readonly Dictionary<object, object> _userState = [];

        public TestCallContext(string method, PeerDecision? decision)
        {
            MethodCore = method;
            var http = new DefaultHttpContext();
            var items = new ConnectionItems();
            if (decision is not null)
            {
                items.Items[PeerDecision.ConnectionItemKey] = decision;
            }

            http.Features.Set<IConnectionItemsFeature>(items);
            // ServerCallContextExtensions.GetHttpContext falls back to this key for contexts it did not create.
            _userState["__HttpContext"] = http;
        }

        protected override string MethodCore { get; }

        protected override string HostCore => "localhost";

        protected override string PeerCore => "unix:";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => CancellationToken.None;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override global::Grpc.Core.Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore => new(null, []);

        protected override IDictionary<object, object> UserStateCore => _userState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;

        private sealed class ConnectionItems : IConnectionItemsFeature
        {
            public IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
        }
    }
}
