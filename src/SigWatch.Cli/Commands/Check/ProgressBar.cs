using System.Diagnostics;
using SigWatch.Core.Seal;

namespace SigWatch.Cli.Commands.Check;

/// <summary>A one-line bar on a terminal's stderr, shown once the check has run for a second, redrawn at most 10 times a second.</summary>
internal sealed class ProgressBar(TextWriter error, long delayMilliseconds = 1000) : IProgress<SealProgress>, IDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _lastDraw = -1000;
    private bool _drawn;
    private bool _disposed;

    public void Report(SealProgress value)
    {
        var now = _clock.ElapsedMilliseconds;
        if (now < delayMilliseconds || now - Interlocked.Read(ref _lastDraw) < 100)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed || now - _lastDraw < 100)
            {
                return;
            }

            _lastDraw = now;
            var fraction = value.BytesTotal > 0 ? (double)value.BytesDone / value.BytesTotal : value.FilesTotal > 0 ? (double)value.FilesDone / value.FilesTotal : 0;
            var filled = (int)Math.Clamp(fraction * 30, 0, 30);
            error.Write($"\r[{new string('#', filled)}{new string('.', 30 - filled)}] {fraction * 100,3:0}% {value.FilesDone}/{value.FilesTotal} files");
            error.Flush();
            _drawn = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_drawn)
            {
                error.Write("\r" + new string(' ', 60) + "\r");
                error.Flush();
            }
        }
    }
}
