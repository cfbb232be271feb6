using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;

namespace SigWatch.Cli.Connection;

/// <summary>
/// A gRPC channel to sigwatchd over its Unix socket (grpc-dotnet "Transporter" example): the
/// connection goes through <see cref="SocketsHttpHandler.ConnectCallback"/> and the address is the
/// placeholder http://localhost, which is also the :authority Kestrel expects.
/// </summary>
internal sealed class DaemonConnection : IDisposable
{
    public const string SocketEnvironmentVariable = "SIGWATCH_SOCKET";

    private DaemonConnection(string socketPath, IReadOnlyList<string> triedPaths)
    {
        SocketPath = socketPath;
        TriedPaths = triedPaths;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        Channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        Client = new Protos.V1.SigWatch.SigWatchClient(Channel);
    }

    public string SocketPath { get; }

    /// <summary>The socket paths considered, in order (for the "cannot reach" message).</summary>
    public IReadOnlyList<string> TriedPaths { get; }

    public GrpcChannel Channel { get; }

    public Protos.V1.SigWatch.SigWatchClient Client { get; }

    /// <summary>
    /// The socket to use: --socket, else $SIGWATCH_SOCKET, else the first default that exists —
    /// this user's own daemon's socket, then the system daemon's — else the system one.
    /// </summary>
    public static DaemonConnection Open(string? explicitSocket)
    {
        if (!string.IsNullOrEmpty(explicitSocket))
        {
            return new DaemonConnection(Path.GetFullPath(explicitSocket), [Path.GetFullPath(explicitSocket)]);
        }

        if (Environment.GetEnvironmentVariable(SocketEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return new DaemonConnection(Path.GetFullPath(fromEnvironment), [fromEnvironment]);
        }

        var candidates = new List<string>();
        if (!ProcessIdentity.IsRoot)
        {
            candidates.Add(SigWatchPaths.ForUser(ProcessIdentity.EffectiveUserId, Environment.GetEnvironmentVariable).SocketPath);
        }

        candidates.Add(SigWatchPaths.ForRoot().SocketPath);
        var chosen = candidates.FirstOrDefault(p => FileKinds.Of(p) == FileTreeKind.Socket) ?? candidates[^1];
        return new DaemonConnection(chosen, candidates);
    }

    /// <summary>Call options with a deadline for unary calls (streams pass their own token).</summary>
    public static CallOptions Unary(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken);

    public void Dispose() => Channel.Dispose();
}
