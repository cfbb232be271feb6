using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using SigWatch.Daemon.Hosting;

namespace SigWatch.Daemon.Security;

/// <summary>
/// Kestrel's transport for the daemon's Unix socket, with the peer policy in the accept loop. A refused peer costs one
/// accept, one getsockopt and one non-blocking send of <see cref="SigWatch.Protos.PeerRefusal"/> before the socket is
/// closed: no connection context, pipes or middleware are ever made for it, so a flood of refused connections cannot
/// starve admitted callers of CPU (measured in docs/benchmarks.md, "under abuse"). Admitted sockets become ordinary
/// Kestrel connections (<see cref="SocketConnectionContextFactory"/>) carrying their <see cref="PeerDecision"/>;
/// <see cref="ConnectionGate.Middleware"/> then applies the per-uid connection limit.
/// The socket file gets its mode (<see cref="UnixSocket.SocketMode"/>) between bind and listen, so no peer can ever
/// connect to it with the umask's mode in force.
/// </summary>
internal sealed class GatedUnixSocketListenerFactory(ConnectionGate gate, bool isRoot, int maxReadBufferSize, ILoggerFactory loggers)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    /// <summary>listen(2) backlog: SOMAXCONN on Linux and macOS caps it anyway.</summary>
    private const int Backlog = 512;

    public bool CanBind(EndPoint endpoint) => endpoint is UnixDomainSocketEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not UnixDomainSocketEndPoint unix)
        {
            throw new NotSupportedException($"sigwatchd listens only on a Unix socket, not on {endpoint}");
        }

        var path = unix.ToString();
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(unix);
            UnixSocket.SecureSocketFile(path, isRoot);
            socket.Listen(Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var contexts = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions { MaxReadBufferSize = maxReadBufferSize },
            loggers.CreateLogger("SigWatch.Daemon.Transport"));
        return ValueTask.FromResult<IConnectionListener>(new Listener(endpoint, path, socket, contexts, gate));
    }

    private sealed class Listener(EndPoint endpoint, string path, Socket socket, SocketConnectionContextFactory contexts, ConnectionGate gate)
        : IConnectionListener
    {
        private static readonly TimeSpan OutOfDescriptorsPause = TimeSpan.FromMilliseconds(50);

        private int _closed;

        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return null; // unbound
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted)
                {
                    return null; // unbound while accepting
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.TooManyOpenSockets)
                {
                    // Out of descriptors (EMFILE/ENFILE): the pending connection stays in the backlog and accept would
                    // fail again at once; wait for descriptors to be released rather than spin.
                    await Task.Delay(OutOfDescriptorsPause, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (SocketException)
                {
                    // The peer went away between connect and accept (ECONNABORTED): the listener goes on.
                    continue;
                }

                var decision = gate.Decide(accepted);
                if (!decision.Admitted)
                {
                    gate.Refuse(accepted, decision);
                    continue;
                }

                var connection = contexts.Create(accepted);
                connection.Items[PeerDecision.ConnectionItemKey] = decision;
                return connection;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => DisposeAsync();

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                socket.Dispose();
                contexts.Dispose();
                // Kestrel's own transport removes its socket file on shutdown; so does this one.
                try
                {
                    File.Delete(path);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            return ValueTask.CompletedTask;
        }
    }
}
