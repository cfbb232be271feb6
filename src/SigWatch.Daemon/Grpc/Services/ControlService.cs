using Grpc.Core;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Security;
using SigWatch.Daemon.Watching;
using SigWatch.Protos.V1;

namespace SigWatch.Daemon.Grpc.Services;

/// <summary>
/// <c>sigwatch.v1.SigWatchControl</c>: what changes the daemon's work, for admins only (enforced for the whole service by
/// <see cref="CallAuthorizationInterceptor"/>). Rescan queues a bundle, a folder directly in a root, a root or every root;
/// roots and folders are expanded into their bundles by the workers.
/// </summary>
internal sealed class ControlService(DaemonOptions options, AssessmentQueue queue) : SigWatchControl.SigWatchControlBase
{
    /// <summary>A path is at most PATH_MAX bytes (4096 on Linux, 1024 on macOS); anything longer is not a path.</summary>
    public const int MaxPathBytes = 4096;

    /// <summary>INVALID_ARGUMENT for a path longer than any path can be.</summary>
    public static void RequirePathLength(string path)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
        {
            throw Invalid("path", $"{bytes} bytes: longer than any path ({MaxPathBytes})");
        }
    }

    public override Task<RescanResponse> Rescan(RescanRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.Path))
        {
            return Task.FromResult(new RescanResponse { Queued = options.WatchedRoots.Sum(root => Queue(new WorkItem(WorkKind.Root, root, root))) });
        }

        RequirePathLength(request.Path);
        if (!Path.IsPathRooted(request.Path))
        {
            throw Invalid("path", $"'{request.Path}' is not an absolute path");
        }

        var path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(FileNames.FromDisplay(request.Path)));
        if (options.WatchedRoots.Contains(path, StringComparer.Ordinal))
        {
            return Task.FromResult(new RescanResponse { Queued = Queue(new WorkItem(WorkKind.Root, path, path)) });
        }

        foreach (var root in options.WatchedRoots)
        {
            var location = BundleLocator.Locate(root, path);
            if (location.Kind is PathLocationKind.Bundle or PathLocationKind.Container && location.Path == path)
            {
                var kind = location.Kind == PathLocationKind.Bundle ? WorkKind.Bundle : WorkKind.Container;
                return Task.FromResult(new RescanResponse { Queued = Queue(new WorkItem(kind, path, root)) });
            }
        }

        throw Invalid("path", $"'{request.Path}' is not a watched root, a bundle in one, or a folder directly inside one; the daemon reads only inside its roots");
    }

    private int Queue(WorkItem item) => queue.Enqueue(item) switch
    {
        EnqueueResult.Queued or EnqueueResult.Merged => 1,
        _ => throw new RpcException(new Status(StatusCode.ResourceExhausted, "the assessment queue is full; a rescan of the roots is already scheduled")),
    };

    private static RpcException Invalid(string field, string why) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {why}"));
}
