using SigWatch.Platform.Peers;

namespace SigWatch.Daemon.Security;

/// <summary>The outcome of checking one connecting peer against the policy, with the reason logged and sent.</summary>
internal sealed record PeerDecision(bool Admitted, string Reason, PeerIdentity? Peer)
{
    public const string ConnectionItemKey = "sigwatch.peer-decision";
}

/// <summary>
/// Who may talk to the daemon (ARCHITECTURE.md, security model): the daemon's own user and root
/// always; other users only when their uid, primary group or a supplementary group is listed; and,
/// when a client code requirement is configured, only code that satisfies it — checked against the
/// peer's audit token (dynamic validity, never a pid or a path; USER-PROBLEMS.md row 9). Where the
/// requirement cannot be checked (Linux, a missing token, an undecidable answer) the peer is refused.
/// </summary>
internal sealed class PeerPolicy(
    uint daemonUid,
    IReadOnlyCollection<uint> allowedUsers,
    IReadOnlyCollection<uint> allowedGroups,
    string? clientRequirement,
    IDynamicCodeValidator? dynamicValidator,
    bool requireHardenedRuntime)
{
    public string? ClientRequirement { get; } = clientRequirement;

    public PeerDecision Evaluate(PeerIdentity peer)
    {
        if (!peer.IsConsistent)
        {
            return new PeerDecision(false, "the peer's audit token and pid disagree (it changed while connecting)", peer);
        }

        var byUser = peer.UserId == daemonUid || peer.UserId == 0 || allowedUsers.Contains(peer.UserId);
        var byGroup = allowedGroups.Contains(peer.GroupId) || peer.Groups.Any(allowedGroups.Contains);
        if (!byUser && !byGroup)
        {
            return new PeerDecision(false, $"uid {peer.UserId} (gid {peer.GroupId}) is not allowed: only the daemon's user, root, and the configured AllowedUsers/AllowedGroups may connect", peer);
        }

        if (ClientRequirement is null)
        {
            return new PeerDecision(true, byUser ? $"uid {peer.UserId} allowed" : $"group of uid {peer.UserId} allowed", peer);
        }

        if (dynamicValidator is null || peer.AuditToken is not { } token)
        {
            return new PeerDecision(false, "a client code requirement is configured but cannot be checked here (no audit token: macOS only); refusing", peer);
        }

        var result = dynamicValidator.Validate(token);
        return result.Admits(requireHardenedRuntime)
            ? new PeerDecision(true, $"uid {peer.UserId}, code satisfies the client requirement", peer)
            : new PeerDecision(false, $"uid {peer.UserId}: code does not satisfy the client requirement ({result})", peer);
    }
}
