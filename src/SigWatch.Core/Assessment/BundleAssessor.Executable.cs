using System.Buffers;
using System.Security.Cryptography;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Seal;

namespace SigWatch.Core.Assessment;

public sealed partial class BundleAssessor
{
    private const int DigestReadSize = 1 << 20;

    /// <summary>
    /// The whole-file SHA-256 of the main executable (hex), what fleets match against threat intelligence (ECS
    /// file.hash.sha256). The signature covers the executable page by page, so this is a second read of it; the digest
    /// cache keeps it to one per change of the file. Null when not asked for, absent, not a regular file or unreadable.
    /// </summary>
    private string? MainExecutableSha256(string? executable, CancellationToken cancellationToken)
    {
        if (!options.HashMainExecutable || executable is null)
        {
            return null;
        }

        var entry = _tree.StatOrUnknown(executable);
        if (entry.Kind != FileTreeKind.Regular)
        {
            return null;
        }

        var key = FileHashKey.For(executable, entry, CodeHashType.Sha256);
        if (options.DigestCache is { } cache && cache.TryGet(key, out var cached) && cached.Length == SHA256.HashSizeInBytes)
        {
            return Convert.ToHexStringLower(cached);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(DigestReadSize);
        try
        {
            using var stream = _tree.OpenRead(executable);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            int read;
            while ((read = stream.Read(buffer, 0, DigestReadSize)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                hash.AppendData(buffer, 0, read);
            }

            var digest = hash.GetHashAndReset();
            options.DigestCache?.Set(key, digest);
            return Convert.ToHexStringLower(digest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
