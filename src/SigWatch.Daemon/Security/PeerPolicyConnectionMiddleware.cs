using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using SigWatch.Platform.Peers;

namespace SigWatch.Daemon.Security;

/// <summary>
/// Kestrel connection middleware: reads the kernel's credentials of each connecting peer and decides
/// it against the <see cref="PeerPolicy"/> before any HTTP/2 byte is read. The decision travels with
/// the connection; <see cref="PeerPolicyInterceptor"/> refuses every call of a refused peer with
/// PERMISSION_DENIED, so the CLI can say so (exit 4) instead of seeing a dropped connection.
/// </summary>
internal static class PeerPolicyConnectionMiddleware
{
    public static Func<ConnectionDelegate, ConnectionDelegate> Create(PeerPolicy policy, IPeerCredentials credentials, ILogger logger) =>
        next => async connection =>
        {
            PeerDecision decision;
            var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
            if (socket is null)
            {
                decision = new PeerDecision(false, "the connection has no socket to read peer credentials from", null);
            }
            else
            {
                try
                {
                    decision = policy.Evaluate(credentials.Read(socket));
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException or PlatformNotSupportedException)
                {
                    decision = new PeerDecision(false, $"peer credentials unreadable: {e.Message}", null);
                }
            }

            if (decision.Admitted)
            {
                logger.LogDebug("Peer admitted on {ConnectionId}: {Reason}", connection.ConnectionId, decision.Reason);
            }
            else
            {
                logger.LogWarning("Peer refused on {ConnectionId}: {Reason} (pid {Pid})", connection.ConnectionId, decision.Reason, decision.Peer?.ProcessId);
            }

            connection.Items[PeerDecision.ConnectionItemKey] = decision;
            await next(connection).ConfigureAwait(false);
        };
}
