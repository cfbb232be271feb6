namespace SigWatch.Core.Seal;

/// <summary>Counts progress across nested bundles and forwards it.</summary>
internal sealed class ProgressCounter(IProgress<SealProgress>? sink)
{
    private long _filesTotal;
    private long _bytesTotal;
    private long _filesDone;
    private long _bytesDone;

    public void AddWork(long files, long bytes)
    {
        Interlocked.Add(ref _filesTotal, files);
        Interlocked.Add(ref _bytesTotal, bytes);
    }

    public void Done(long bytes)
    {
        var files = Interlocked.Increment(ref _filesDone);
        var done = Interlocked.Add(ref _bytesDone, bytes);
        sink?.Report(new SealProgress(files, Interlocked.Read(ref _filesTotal), done, Interlocked.Read(ref _bytesTotal)));
    }
}
