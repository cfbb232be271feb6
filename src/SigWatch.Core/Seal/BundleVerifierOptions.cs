using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>Knobs for <see cref="BundleVerifier"/>. The defaults are <c>codesign --verify --deep --strict</c>.</summary>
public sealed record BundleVerifierOptions
{
    /// <summary>Apply the strict checks (weak rules and envelope, bundle roots, symlinks, file types, trailing data).</summary>
    public bool Strict { get; init; } = true;

    public CodeSignatureVerifierOptions Signature { get; init; } = new();

    /// <summary>Digests of unchanged files come from here; null hashes everything.</summary>
    public IFileHashCache? Cache { get; init; }

    /// <summary>Hash every file even when the cache knows it (<c>--full</c>); results still refresh the cache.</summary>
    public bool IgnoreCache { get; init; }

    /// <summary>How many files are hashed at once.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Nested code deeper than this is reported instead of followed (app → framework → helper → …).</summary>
    public int MaxNestingDepth { get; init; } = 16;

    /// <summary>Directory depth below the resource root beyond which the walk reports and stops descending.</summary>
    public int MaxDirectoryDepth { get; init; } = 4096;

    /// <summary>Entries beyond this count are not walked; the bundle is reported unreadable (bounded time and memory).</summary>
    public int MaxEntries { get; init; } = 5_000_000;

    /// <summary>Executables and Info.plists larger than this are reported unreadable instead of loaded.</summary>
    public long MaxCodeFileBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>For the quarantine-inside-bundle diagnosis; null skips it.</summary>
    public IExtendedAttributeReader? ExtendedAttributes { get; init; }

    /// <summary>Reports files hashed and bytes hashed as the walk goes; called from hashing threads.</summary>
    public IProgress<SealProgress>? Progress { get; init; }
}

/// <summary>Hashing progress: counts are cumulative for the whole verification.</summary>
public readonly record struct SealProgress(long FilesDone, long FilesTotal, long BytesDone, long BytesTotal);

/// <summary>What a verification cost: the incremental cache's effect is visible here.</summary>
public sealed class SealStatistics
{
    private long _filesHashed;
    private long _bytesHashed;
    private long _cacheHits;
    private long _fullWalks;
    private long _regionWalks;

    /// <summary>Files actually read and hashed.</summary>
    public long FilesHashed => Interlocked.Read(ref _filesHashed);

    public long BytesHashed => Interlocked.Read(ref _bytesHashed);

    /// <summary>Files whose digest came from the cache.</summary>
    public long CacheHits => Interlocked.Read(ref _cacheHits);

    /// <summary>Bundles (the outer one and nested ones) whose resource root was walked whole.</summary>
    public long FullWalks => Interlocked.Read(ref _fullWalks);

    /// <summary>Changed regions walked by <see cref="BundleVerifier.Reverify"/> instead of whole bundles.</summary>
    public long RegionWalks => Interlocked.Read(ref _regionWalks);

    internal void AddFullWalk() => Interlocked.Increment(ref _fullWalks);

    internal void AddRegionWalks(int count) => Interlocked.Add(ref _regionWalks, count);

    internal void AddHashed(long bytes)
    {
        Interlocked.Increment(ref _filesHashed);
        Interlocked.Add(ref _bytesHashed, bytes);
    }

    internal void AddCacheHit() => Interlocked.Increment(ref _cacheHits);
}
