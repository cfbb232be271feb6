namespace SigWatch.Core.Seal;

/// <summary>
/// What one verification shares across its nested bundles: the progress it reports, and its cancellation (a daemon
/// assessment has a deadline; the walk and the hashing stop at the next entry or file once it has passed).
/// </summary>
internal sealed class ProgressCounter(IProgress<SealProgress>? sink, CancellationToken cancellation = default)
{
    public CancellationToken Cancellation => cancellation;

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
