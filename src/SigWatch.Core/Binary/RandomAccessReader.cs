using Microsoft.Win32.SafeHandles;

namespace SigWatch.Core.Binary;

/// <summary>Reads up to <c>buffer.Length</c> bytes at <c>offset</c>; returns how many (0 at the end).</summary>
public delegate int ReadAt(Span<byte> buffer, long offset);

/// <summary>
/// The two sources container verifiers (disk images, installer packages) read from: an open file, read where needed
/// (gigabytes cost time, never memory), and bytes already in memory (the fuzzer's input, tests).
/// </summary>
public static class RandomAccessReader
{
    public static ReadAt Of(SafeFileHandle file) => (buffer, offset) => RandomAccess.Read(file, buffer, offset);

    public static ReadAt Of(ReadOnlyMemory<byte> bytes) => (buffer, offset) =>
    {
        // As RandomAccess.Read refuses it for a file: a negative offset is the caller's unchecked arithmetic, and the
        // int conversion below would otherwise turn some of them into offset 0 and read the wrong bytes.
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var available = bytes.Span[(int)Math.Min(offset, bytes.Length)..];
        var count = Math.Min(available.Length, buffer.Length);
        available[..count].CopyTo(buffer);
        return count;
    };
}
