using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using SigWatch.Platform.Peers;
using SigWatch.Protos;

namespace SigWatch.Daemon.Security;

/// <summary>
/// Kestrel connection middleware, the daemon's front door. It reads the kernel's credentials of each connecting peer
/// and decides it — against the <see cref="PeerPolicy"/> and the per-uid connection limit — before any HTTP/2 byte is
/// read. A refused peer is answered with <see cref="PeerRefusal"/> (an HTTP/2 server preface and a GOAWAY, error
/// INADEQUATE_SECURITY, debug data "PERMISSION_DENIED: reason") and the connection is closed at once: nothing it sent is read, so neither its requests
/// nor its connections can pile up. Refusals are logged through <see cref="RefusalLog"/> (rate-limited). An admitted
/// peer's decision travels with the connection for <see cref="CallAuthorizationInterceptor"/>.
/// </summary>
internal sealed class ConnectionGate(PeerPolicy policy, IPeerCredentials credentials, RefusalLog refusals, int maxPerUser)
{
    private readonly ConcurrentDictionary<uint, int> _open = new();

    /// <summary>Admitted connections open per uid (for tests and status).</summary>
    public int OpenConnections(uint uid) => _open.GetValueOrDefault(uid);

    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        var decision = Decide(connection);
        if (!decision.Admitted)
        {
            refusals.Note(decision.Peer?.UserId, decision.Reason);
            await RefuseAsync(connection, decision.Reason).ConfigureAwait(false);
            return;
        }

        var uid = decision.Peer!.UserId;
        if (_open.AddOrUpdate(uid, 1, (_, n) => n + 1) > maxPerUser)
        {
            Release(uid);
            var reason = $"uid {uid} already has {maxPerUser} connections open (MaxConnectionsPerUser)";
            refusals.Note(uid, reason);
            await RefuseAsync(connection, reason).ConfigureAwait(false);
            return;
        }

        try
        {
            connection.Items[PeerDecision.ConnectionItemKey] = decision;
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Release(uid);
        }
    };

    private PeerDecision Decide(ConnectionContext connection)
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is null)
        {
            return new PeerDecision(false, "the connection has no socket to read peer credentials from", null);
        }

        try
        {
            return policy.Evaluate(credentials.Read(socket));
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException or PlatformNotSupportedException or FormatException)
        {
            return new PeerDecision(false, $"peer credentials unreadable: {e.Message}", null);
        }
    }

    private void Release(uint uid)
    {
        if (_open.AddOrUpdate(uid, 0, (_, n) => n - 1) <= 0)
        {
            _open.TryRemove(new KeyValuePair<uint, int>(uid, 0));
        }
    }

    private static async Task RefuseAsync(ConnectionContext connection, string reason)
    {
        var frames = PeerRefusal.Encode(reason);
        try
        {
            // Completing the output (rather than aborting) lets the transport send the frames before it closes the
            // socket; the input is completed unread when the middleware returns.
            await connection.Transport.Output.WriteAsync(frames).ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ConnectionAbortedException)
        {
            // The peer is already gone: nothing to tell it.
            connection.Abort(new ConnectionAbortedException("refused by the peer policy"));
        }
    }
}
