using Microsoft.Extensions.Logging;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;

namespace SigWatch.Daemon.Watching;

/// <summary>
/// One FileSystemWatcher on one root (inotify on Linux, FSEvents on macOS), recursive so that
/// activity inside a bundle keeps it "busy". Events are only hints: every one is mapped to the
/// bundle or folder it affects and handed to the <see cref="ActivityTracker"/> with the path it
/// named; the assessment looks at the disk itself, at those paths (or everywhere when they are not
/// known). A watcher error (queue overflow) schedules a rescan of the root, which examines everything.
/// </summary>
internal sealed class RootWatcher : IDisposable
{
    private readonly string _root;
    private readonly ActivityTracker _tracker;
    private readonly ILogger _logger;
    private readonly FileSystemWatcher _watcher;

    public RootWatcher(string root, ActivityTracker tracker, ILogger logger)
    {
        _root = root;
        _tracker = tracker;
        _logger = logger;
        _watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite
                | NotifyFilters.Size | NotifyFilters.Attributes | NotifyFilters.CreationTime,
            // Bundles arrive as bursts of thousands of events; the largest buffer the API allows.
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Created += (_, e) => OnPath(e.FullPath);
        _watcher.Changed += (_, e) => OnPath(e.FullPath);
        _watcher.Deleted += (_, e) => OnPath(e.FullPath);
        _watcher.Renamed += (_, e) =>
        {
            OnPath(e.OldFullPath);
            OnPath(e.FullPath);
        };
        _watcher.Error += (_, e) =>
        {
            _logger.LogWarning(e.GetException(), "Watcher on {Root} reported an error; the root will be rescanned", FileNames.Display(_root));
            _tracker.Touch(new WorkItem(WorkKind.Root, _root, _root));
        };
        _watcher.EnableRaisingEvents = true;
    }

    public string Root => _root;

    private void OnPath(string fullPath)
    {
        var location = BundleLocator.Locate(_root, fullPath);
        if (location.Kind != PathLocationKind.None && BundleLocator.IsLossy(location.Path))
        {
            // The watcher decoded a name that is not UTF-8 with U+FFFD: the bundle or folder it names cannot be found by
            // that name. Its enclosing folder is listed (exactly, through the file tree) by a reconcile instead.
            var parent = Path.GetDirectoryName(location.Path)!;
            _tracker.Touch(parent == _root ? new WorkItem(WorkKind.Root, _root, _root) : new WorkItem(WorkKind.Container, parent, _root));
            return;
        }

        switch (location.Kind)
        {
            case PathLocationKind.Bundle:
                // A changed path inside the bundle that lost bytes in decoding cannot be re-examined by name: examine everything.
                _tracker.Touch(new WorkItem(WorkKind.Bundle, location.Path, _root), BundleLocator.IsLossy(fullPath) ? null : fullPath);
                break;
            case PathLocationKind.Container:
                _tracker.Touch(new WorkItem(WorkKind.Container, location.Path, _root));
                break;
        }
    }

    public void Dispose()
    {
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
    }
}
