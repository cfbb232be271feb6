using Grpc.Core;
using SigWatch.Platform.Peers;

namespace SigWatch.Daemon.Security;

/// <summary>The admitted peer of a call, as every service method sees it: who it is and whether it is an admin.</summary>
/// <param name="Peer">The kernel's credentials of the connection (uid, gids including supplementary, audit token on macOS).</param>
/// <param name="IsAdmin">Root, the daemon's own user, or a member of an admin group.</param>
/// <param name="Role">Why it is (or is not) an admin, in words, for denials.</param>
internal sealed record Caller(PeerIdentity Peer, bool IsAdmin, string Role)
{
    private const string Key = "sigwatch.caller";

    public uint UserId => Peer.UserId;

    /// <summary>The caller of <paramref name="context"/>, put there by <see cref="CallAuthorizationInterceptor"/>.</summary>
    public static Caller Of(ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is Caller caller
            ? caller
            : throw new RpcException(new Status(StatusCode.PermissionDenied, "the call has no authorized caller"));

    public void AttachTo(ServerCallContext context) => context.UserState[Key] = this;
}

/// <summary>Who is an admin: root, the daemon's own user, and members (primary or supplementary) of the admin groups.</summary>
internal sealed class AdminPolicy(uint daemonUid, IReadOnlyDictionary<uint, string> adminGroups)
{
    public IReadOnlyDictionary<uint, string> AdminGroups => adminGroups;

    /// <summary>The admin groups when none are configured: macOS's <c>admin</c>; Debian's <c>sudo</c>, Red Hat's <c>wheel</c>.</summary>
    public static IReadOnlyList<string> DefaultGroups => OperatingSystem.IsMacOS() ? ["admin"] : ["sudo", "wheel"];

    /// <summary>
    /// Resolves configured group names or gids (<paramref name="configured"/>, or <see cref="DefaultGroups"/> when it is
    /// empty). A name the system does not know is returned in <c>Unknown</c>: a default group missing on this system is
    /// normal (no <c>wheel</c> on Debian), a configured one is worth a warning.
    /// </summary>
    public static (IReadOnlyDictionary<uint, string> Groups, IReadOnlyList<string> Unknown) Resolve(IReadOnlyList<string> configured)
    {
        var groups = new Dictionary<uint, string>();
        var unknown = new List<string>();
        foreach (var entry in configured.Count > 0 ? configured : DefaultGroups)
        {
            if (uint.TryParse(entry, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var gid))
            {
                groups[gid] = $"gid {gid}";
            }
            else if (Platform.ProcessIdentity.GroupId(entry) is { } named)
            {
                groups[named] = entry;
            }
            else
            {
                unknown.Add(entry);
            }
        }

        return (groups, unknown);
    }

    public Caller Classify(PeerIdentity peer)
    {
        if (peer.UserId == 0)
        {
            return new Caller(peer, true, "root");
        }

        if (peer.UserId == daemonUid)
        {
            return new Caller(peer, true, "the daemon's own user");
        }

        var group = peer.Groups.Prepend(peer.GroupId).FirstOrDefault(adminGroups.ContainsKey, uint.MaxValue);
        return group != uint.MaxValue
            ? new Caller(peer, true, $"member of admin group {adminGroups[group]} ({group})")
            : new Caller(peer, false, $"uid {peer.UserId} is not root, not the daemon's user and in no admin group ({Describe(adminGroups)})");
    }

    private static string Describe(IReadOnlyDictionary<uint, string> groups) =>
        groups.Count == 0 ? "none configured" : string.Join(", ", groups.Select(g => $"{g.Value} {g.Key}"));
}
