using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using SigWatch.Platform.Peers;
using SigWatch.Protos;

namespace SigWatch.Daemon.Security;

/// <summary>
/// The daemon's front door. It reads the kernel's credentials of each connecting peer and decides it — against the
/// <see cref="PeerPolicy"/> and the per-uid connection limit — before any HTTP/2 byte is read. A refused peer is
/// answered with <see cref="PeerRefusal"/> (an HTTP/2 server preface and a GOAWAY, error INADEQUATE_SECURITY, debug
/// data "PERMISSION_DENIED: reason") and the connection is closed at once: nothing it sent is read, so neither its
/// requests nor its connections can pile up. The policy is applied in the accept loop
/// (<see cref="GatedUnixSocketListenerFactory"/>); the per-uid limit, which needs to know when a connection ends, in
/// the Kestrel connection <see cref="Middleware"/>. Refusals are logged through <see cref="RefusalLog"/>
/// (rate-limited). An admitted peer's decision travels with the connection for <see cref="CallAuthorizationInterceptor"/>.
/// </summary>
internal sealed class ConnectionGate(PeerPolicy policy, IPeerCredentials credentials, RefusalLog refusals, int maxPerUser)
{
    private readonly ConcurrentDictionary<uint, int> _open = new();

    /// <summary>Admitted connections open per uid (for tests and status).</summary>
    public int OpenConnections(uint uid) => _open.GetValueOrDefault(uid);

    public Func<ConnectionDelegate, ConnectionDelegate> Middleware => next => async connection =>
    {
        // Decided in the accept loop (GatedUnixSocketListenerFactory): a connection that did not come through it is refused.
        var decision = connection.Items.TryGetValue(PeerDecision.ConnectionItemKey, out var item) && item is PeerDecision known
            ? known
            : new PeerDecision(false, "the connection did not come through the daemon's peer gate", null);
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

    /// <summary>The peer policy's decision for an accepted socket, from the kernel's credentials of its peer.</summary>
    public PeerDecision Decide(System.Net.Sockets.Socket socket)
    {
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

    /// <summary>
    /// Refuses an accepted socket that no connection was made for: the frames (~150 bytes) fit in any socket buffer, so
    /// a non-blocking send either queues them all or the peer is gone; then the socket is closed unread.
    /// </summary>
    public void Refuse(System.Net.Sockets.Socket socket, PeerDecision decision)
    {
        refusals.Note(decision.Peer?.UserId, decision.Reason);
        try
        {
            socket.Blocking = false;
            socket.Send(PeerRefusal.Encode(decision.Reason), System.Net.Sockets.SocketFlags.None, out _);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            socket.Dispose();
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
