using SigWatch.Daemon.Security;
using SigWatch.Platform.Peers;

namespace SigWatch.Daemon.Tests.Security;

public sealed class PeerPolicyTests
{
    private const uint DaemonUid = 501;

    private static PeerIdentity Peer(uint uid, uint gid = 20, params uint[] groups) => new(uid, gid, groups, 1234, null);

    [Fact]
    public void Evaluate_DaemonUserAndRoot_AreAdmitted_OthersRefusedWithTheReason()
    {
        var policy = new PeerPolicy(DaemonUid, [], [], null, null, false);
        Assert.True(policy.Evaluate(Peer(DaemonUid)).Admitted);
        Assert.True(policy.Evaluate(Peer(0)).Admitted);
        var other = policy.Evaluate(Peer(502));
        Assert.False(other.Admitted);
        Assert.Contains("uid 502", other.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_AllowedUserOrAnySupplementaryGroup_IsAdmitted()
    {
        var policy = new PeerPolicy(DaemonUid, allowedUsers: [600], allowedGroups: [80], null, null, false);
        Assert.True(policy.Evaluate(Peer(600)).Admitted);
        Assert.True(policy.Evaluate(Peer(700, 20, 12, 80)).Admitted);
        Assert.True(policy.Evaluate(Peer(701, 80)).Admitted);
        Assert.False(policy.Evaluate(Peer(702, 20, 12)).Admitted);
    }

    [Fact]
    public void Evaluate_RequirementConfiguredButNoAuditToken_RefusesEvenTheDaemonUser()
    {
        // Linux has no audit token: a requirement that cannot be checked must fail closed.
        var policy = new PeerPolicy(DaemonUid, [], [], "anchor apple generic", dynamicValidator: null, false);
        var decision = policy.Evaluate(Peer(DaemonUid));
        Assert.False(decision.Admitted);
        Assert.Contains("cannot be checked", decision.Reason, StringComparison.Ordinal);
    }
}
