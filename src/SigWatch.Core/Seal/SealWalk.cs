using System.Security.Cryptography;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>
/// One pass over a resource root (SEC resources.cpp <c>ResourceBuilder::scan</c> with the StaticCode.cpp
/// <c>validateResources</c> callback): physical traversal, never following a symlink; each entry's path is matched
/// against the rules as the raw name from the directory listing and looked up ordinally in the seal. Regular files are
/// hashed in parallel while the walk goes on (a walk of 20,000 entries costs about as much as hashing their gigabyte
/// on one core, so hashing only after it left the other cores idle that long); FIFOs, sockets and devices are never
/// opened. Findings keep the walk's order whatever order the files were hashed in.
/// </summary>
internal sealed class SealWalk(IFileTree tree, BundleVerifierOptions options, SealContext context, SealStatistics statistics, ProgressCounter progress)
{
    private readonly BundleStructure _structure = context.Structure;
    private readonly CodeResources _seal = context.Seal;
    private readonly ResourceRuleSet _rules = context.Rules;
    private readonly IFileTree _tree = tree;
    private readonly BundleVerifierOptions _options = options;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<HashJob> _hashJobs = [];
    private readonly SealWalkResult _result = new();
    private readonly Stack<(string FullPath, string Relative, int Depth)> _stack = new();
    private readonly System.Threading.Channels.Channel<HashJob> _queue =
        System.Threading.Channels.Channel.CreateUnbounded<HashJob>(new() { SingleWriter = true });
    private readonly List<Task> _hashers = [];

    private sealed record HashJob(string Path, string FullPath, FileTreeEntry Entry, SealedResource Sealed)
    {
        /// <summary>The file's digest differs from the sealed one (set when it was hashed or found in the cache).</summary>
        public bool Differs { get; set; }

        public string? Error { get; set; }
    }

    private List<Finding> Findings => _result.Findings;

    /// <summary>Walks the whole resource root.</summary>
    public SealWalkResult Run()
    {
        _stack.Push((_structure.ResourceRoot, string.Empty, 0));
        WalkThen(Drain);
        HashAll();
        ReportMissing(null);
        return _result;
    }

    /// <summary>
    /// Walks only <paramref name="regions"/> (resource-root-relative paths whose parents the previous walk listed): each
    /// is examined as the full walk would have met it in its parent's listing, directories with everything below them;
    /// a region that no longer exists contributes only its missing sealed files.
    /// </summary>
    public SealWalkResult RunRegions(IReadOnlyList<string> regions, RegionMatcher matcher)
    {
        WalkThen(() =>
        {
            foreach (var region in regions)
            {
                var fullPath = _structure.FullPath(region);
                var entry = _tree.StatOrUnknown(fullPath);
                if (entry.Kind != FileTreeKind.Missing && Count(region))
                {
                    Visit(entry with { Name = region[(region.LastIndexOf('/') + 1)..] }, region, fullPath, region.Count(c => c == '/'));
                    Drain();
                }
            }
        });

        HashAll();
        ReportMissing(matcher);
        return _result;
    }

    /// <summary>
    /// Runs the walk; if it throws (cancelled, or a failure), the queue is closed so the hashers already started finish
    /// what is queued and end, instead of waiting for files that will never come.
    /// </summary>
    private void WalkThen(Action walk)
    {
        try
        {
            walk();
        }
        catch
        {
            _queue.Writer.TryComplete();
            throw;
        }
    }

    private void ReportMissing(RegionMatcher? regions)
    {
        foreach (var (path, sealedResource) in _seal.Files)
        {
            if (!_seen.Contains(path) && !sealedResource.Optional && (regions is null || regions.Contains(path)))
            {
                Findings.Add(new Finding(FindingKind.FileMissing, FindingSeverity.Error, "file missing", path));
                _result.Missing.Add(path);
            }
        }
    }

    private bool Count(string relative)
    {
        if (++_result.Entries <= _options.MaxEntries)
        {
            return true;
        }

        var at = relative.Contains('/', StringComparison.Ordinal) ? relative[..relative.LastIndexOf('/')] : ".";
        Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error,
            $"more than {_options.MaxEntries} entries; the rest of the bundle was not examined", at));
        _result.Truncated = true;
        _stack.Clear();
        return false;
    }

    private void Drain()
    {
        while (_stack.Count > 0 && !_result.Truncated)
        {
            progress.Cancellation.ThrowIfCancellationRequested();
            var (directory, relativeDirectory, depth) = _stack.Pop();
            IReadOnlyList<FileTreeEntry> entries;
            try
            {
                entries = _tree.List(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list directory: {e.Message}",
                    relativeDirectory.Length == 0 ? "." : relativeDirectory));
                continue;
            }

            _result.Listed.Add(relativeDirectory);
            // Visited in reverse ordinal order: the stack pops the directories pushed here in ordinal order.
            var ordered = FileTreeListing.InOrdinalOrder(entries);
            for (var i = ordered.Count - 1; i >= 0; i--)
            {
                var entry = ordered[i];
                var relative = relativeDirectory.Length == 0 ? entry.Name : relativeDirectory + "/" + entry.Name;
                if (!Count(relative))
                {
                    return;
                }

                Visit(entry, relative, Path.Combine(directory, entry.Name), depth);
            }
        }
    }

    private void Visit(FileTreeEntry entry, string relative, string fullPath, int depth)
    {
        if (entry.Name.StartsWith("._", StringComparison.Ordinal) || entry.Name == "__MACOSX")
        {
            _result.AppleDouble.Add(relative);
        }

        // A name that is not valid UTF-8 (kept exactly, FileNames) cannot be a key of CodeResources, whose keys are text:
        // whatever it is, the seal does not list it. Nothing below it is walked.
        if (FileNames.HasRawBytes(entry.Name))
        {
            Findings.Add(new Finding(FindingKind.FileAdded, FindingSeverity.Error,
                "file added: its name is not valid UTF-8, so no seal can list it", relative));
            return;
        }

        var rule = _rules.FindRule(relative);
        switch (entry.Kind)
        {
            case FileTreeKind.Directory:
                if (rule is { Exclusion: true })
                {
                    _result.Excluded.Add(relative);
                    return;
                }

                NoteQuarantine(relative, AttributeNames(fullPath));
                if (rule is { Nested: true, Omit: false } && entry.Name.Contains('.', StringComparison.Ordinal))
                {
                    Candidate(entry, relative, fullPath);
                }
                else if (depth + 1 > _options.MaxDirectoryDepth)
                {
                    Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error,
                        $"directories nested deeper than {_options.MaxDirectoryDepth} levels are not examined", relative));
                }
                else
                {
                    _stack.Push((fullPath, relative, depth + 1));
                }

                return;
            case FileTreeKind.Regular:
                var attributes = AttributeNames(fullPath);
                NoteQuarantine(relative, attributes);
                if (rule is { IsOutsideSeal: false })
                {
                    CheckSideband(relative, attributes);
                    Candidate(entry, relative, fullPath);
                }

                return;
            case FileTreeKind.Symlink:
                // SEC resources.cpp scan: a .DS_Store symlink is rejected outright (errSecCSDSStoreSymlink).
                if (entry.Name.Equals(".DS_Store", StringComparison.OrdinalIgnoreCase))
                {
                    _seen.Add(relative);
                    Findings.Add(new Finding(FindingKind.UnsupportedFileType, FindingSeverity.Error,
                        ".DS_Store is a symlink, which code signing rejects (errSecCSDSStoreSymlink)", relative));
                    return;
                }

                // Version 1 seals ignore symlinks altogether (reference §8.5).
                if (_seal.Version == 2 && rule is { IsOutsideSeal: false })
                {
                    Candidate(entry, relative, fullPath);
                }

                return;
            case FileTreeKind.Missing:
                _seen.Add(relative);
                Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, "vanished while the bundle was being examined", relative));
                return;
            default:
                if (rule is { IsOutsideSeal: false })
                {
                    _seen.Add(relative);
                    Findings.Add(new Finding(FindingKind.UnsupportedFileType, _options.Strict ? FindingSeverity.Error : FindingSeverity.Warning,
                        $"a {entry.Kind} inside the bundle (never opened); resources must be files, directories or symlinks", relative));
                }

                return;
        }
    }

    // One listxattr per entry (most have no attributes at all) answers both the quarantine diagnosis and the sideband
    // check, instead of a getxattr per attribute name.
    private IReadOnlyList<string> AttributeNames(string fullPath)
    {
        try
        {
            return _options.ExtendedAttributes?.List(fullPath) ?? [];
        }
        catch (ExtendedAttributeException)
        {
            // Unreadable attributes are not evidence of anything; reading the file itself reports what is wrong with it.
            return [];
        }
    }

    private void NoteQuarantine(string relative, IReadOnlyList<string> attributes)
    {
        if (attributes.Contains(ExtendedAttributeNames.Quarantine, StringComparer.Ordinal))
        {
            _result.Quarantined.Add(relative);
        }
    }

    // SEC StaticCode.cpp validateResource: with kSecCSStrictValidate and kSecCSRestrictSidebandData (codesign --strict)
    // and a version 2 seal, a resource with a resource fork or Finder info fails (errSecCSInvalidAssociatedFileData,
    // reference §8.1). Checked for regular files; symlinks are never opened.
    private void CheckSideband(string relative, IReadOnlyList<string> attributes)
    {
        if (!_options.Strict || _seal.Version < 2)
        {
            return;
        }

        var name = attributes.FirstOrDefault(a => a is ExtendedAttributeNames.ResourceFork or ExtendedAttributeNames.FinderInfo);
        if (name is not null)
        {
            Findings.Add(new Finding(FindingKind.ResourceSidebandData, FindingSeverity.Error,
                $"the file carries {name}, which code signing does not allow on a resource (errSecCSInvalidAssociatedFileData)", relative));
        }
    }

    private void Candidate(FileTreeEntry entry, string relative, string fullPath)
    {
        if (!_seal.Files.TryGetValue(relative, out var sealedResource))
        {
            Findings.Add(new Finding(FindingKind.FileAdded, FindingSeverity.Error, "file added", relative));
            _result.Added.Add((relative, entry));
            return;
        }

        _seen.Add(relative);
        switch (sealedResource.Kind)
        {
            case SealedResourceKind.NestedCode when entry.Kind is FileTreeKind.Directory or FileTreeKind.Regular:
                _result.NestedJobs.Add(new NestedJob(relative, fullPath, entry.Kind == FileTreeKind.Directory, sealedResource));
                return;
            case SealedResourceKind.Symlink when entry.Kind == FileTreeKind.Symlink:
                var target = SafeReadLink(fullPath);
                if (!string.Equals(target, sealedResource.SymlinkTarget, StringComparison.Ordinal))
                {
                    Findings.Add(new Finding(FindingKind.SymlinkModified, FindingSeverity.Error,
                        $"symlink modified: points to '{target}', sealed as '{sealedResource.SymlinkTarget}'", relative));
                    _result.Modified.Add((relative, entry));
                }
                else if (_options.Strict)
                {
                    SymlinkRestriction.Check(_tree, context, relative, fullPath, target!, Findings);
                    _result.CheckedSymlinks.Add((relative, fullPath, target!));
                }

                return;
            case SealedResourceKind.File when entry.Kind == FileTreeKind.Regular:
                Enqueue(new HashJob(relative, fullPath, entry, sealedResource));
                return;
            default:
                Findings.Add(new Finding(FindingKind.FileModified, FindingSeverity.Error,
                    $"file modified: sealed as {Describe(sealedResource.Kind)}, now {Describe(entry.Kind)}", relative));
                _result.Modified.Add((relative, entry));
                return;
        }
    }

    private static string Describe(SealedResourceKind kind) => kind switch
    {
        SealedResourceKind.NestedCode => "nested code",
        SealedResourceKind.Symlink => "a symlink",
        _ => "a file",
    };

    private static string Describe(FileTreeKind kind) => kind switch
    {
        FileTreeKind.Directory => "a directory",
        FileTreeKind.Symlink => "a symlink",
        _ => "a file",
    };

    private string? SafeReadLink(string fullPath)
    {
        try
        {
            return _tree.ReadLink(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void Enqueue(HashJob job)
    {
        _hashJobs.Add(job);
        progress.AddWork(1, job.Entry.Size);
        _queue.Writer.TryWrite(job);
        // Hashers start with the first file, up to the parallelism allowed: a walk that finds nothing to hash starts none.
        if (_hashers.Count < Math.Max(1, _options.MaxDegreeOfParallelism))
        {
            _hashers.Add(Task.Run(HashQueuedAsync));
        }
    }

    private async Task HashQueuedAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(progress.Cancellation).ConfigureAwait(false))
        {
            HashQueued();
        }
    }

    private void HashQueued()
    {
        var reader = _queue.Reader;
        if (!reader.TryPeek(out _))
        {
            return;
        }

        // One buffer per run of files rather than per file: renting a megabyte per file showed in the profile.
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (!progress.Cancellation.IsCancellationRequested && reader.TryRead(out var job))
            {
                Hash(job, buffer);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void HashAll()
    {
        _queue.Writer.TryComplete();
        // The walking thread hashes what is still queued too, then waits for the files others are on.
        HashQueued();
        try
        {
            Task.WaitAll(_hashers);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OperationCanceledException))
        {
        }

        progress.Cancellation.ThrowIfCancellationRequested();
        foreach (var job in _hashJobs)
        {
            if (job.Error is not null)
            {
                Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot read: {job.Error}", job.Path));
                continue;
            }

            if (job.Differs)
            {
                Findings.Add(new Finding(FindingKind.FileModified, FindingSeverity.Error, "file modified", job.Path));
                _result.Modified.Add((job.Path, job.Entry));
            }
        }
    }

    // One digest per file: SHA-256 against hash2 when the seal has it, else SHA-1 against hash. SEC computes every
    // hash type of the CodeDirectories; checking the strongest sealed digest alone detects the same changes.
    private void Hash(HashJob job, byte[] buffer)
    {
        var type = job.Sealed.Sha256 is not null ? CodeHashType.Sha256 : CodeHashType.Sha1;
        var key = FileHashKey.For(job.FullPath, job.Entry, type);
        if (_options.Cache is { } cache && !_options.IgnoreCache && cache.TryGet(key, out var cached))
        {
            statistics.AddCacheHit();
            job.Differs = !cached.AsSpan().SequenceEqual(Expected(job));
            progress.Done(job.Entry.Size);
            return;
        }

        try
        {
            // Into the stack: a digest array per file is kept only for the cache.
            Span<byte> digest = stackalloc byte[CodeHashing.DigestSize(type)];
            digest = digest[..HashFile(job.FullPath, job.Entry.Size, type, buffer, digest)];
            job.Differs = !digest.SequenceEqual(Expected(job));
            statistics.AddHashed(job.Entry.Size);
            _options.Cache?.Set(key, digest.ToArray());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            job.Error = e.Message;
        }

        progress.Done(job.Entry.Size);
    }

    private static byte[] Expected(HashJob job) => job.Sealed.Sha256 ?? job.Sealed.Sha1!;

    /// <summary>Hashes the file into <paramref name="digest"/>; the digest's length.</summary>
    private int HashFile(string fullPath, long listedSize, CodeHashType type, byte[] buffer, Span<byte> digest)
    {
        using var handle = _tree.OpenHandle(fullPath);
        if (handle is null)
        {
            return HashStream(fullPath, type, buffer, digest);
        }

        // Read to the end (a file may have grown since it was listed); a file that fits the buffer — nearly every
        // resource — is hashed in one call, without an incremental context. A read that stops short of the buffer at
        // exactly the size the listing saw is the end: a file changed since then reads a different length and goes on
        // to the read that returns 0, so asking the kernel again would only catch a write racing this read, which no
        // number of reads can.
        IncrementalHash? hash = null;
        try
        {
            long offset = 0;
            var filled = 0;
            int read;
            while ((read = _tree.ReadAt(handle, buffer.AsSpan(filled), offset)) > 0)
            {
                filled += read;
                offset += read;
                if (filled == buffer.Length)
                {
                    hash ??= IncrementalHash.CreateHash(CodeHashing.AlgorithmName(type));
                    hash.AppendData(buffer, 0, filled);
                    filled = 0;
                    progress.Cancellation.ThrowIfCancellationRequested(); // a multi-gigabyte file stops within a megabyte
                }
                else if (offset == listedSize)
                {
                    break;
                }
            }

            if (hash is null)
            {
                return type == CodeHashType.Sha256 ? SHA256.HashData(buffer.AsSpan(0, filled), digest) : SHA1.HashData(buffer.AsSpan(0, filled), digest);
            }

            hash.AppendData(buffer, 0, filled);
            return hash.GetHashAndReset(digest);
        }
        finally
        {
            hash?.Dispose();
        }
    }

    private int HashStream(string fullPath, CodeHashType type, byte[] buffer, Span<byte> digest)
    {
        using var stream = _tree.OpenRead(fullPath);
        using var hash = IncrementalHash.CreateHash(CodeHashing.AlgorithmName(type));
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            progress.Cancellation.ThrowIfCancellationRequested();
        }

        return hash.GetHashAndReset(digest);
    }
}
