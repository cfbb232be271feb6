using System.Runtime.InteropServices;
using System.Text;
using SigWatch.Core.FileSystem;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform;

/// <summary>
/// Extended attributes through libc/libSystem, addressed by macOS names and never following a
/// symlink. On Linux, macOS names live in the <c>user.</c> namespace (<c>com.apple.quarantine</c>
/// ↔ <c>user.com.apple.quarantine</c>); Samba's vfs_streams_xattr spelling
/// <c>user.DosStream.&lt;name&gt;:$DATA</c> (what a Mac writing to a Linux SMB share leaves) is
/// read as well (macos-integration.md §1.2).
/// </summary>
public sealed class ExtendedAttributes : IExtendedAttributeReader
{
    /// <summary>Values larger than this are refused: SigWatch reads small metadata, never resource forks.</summary>
    public const int MaxValueBytes = 1024 * 1024;

    private const int MaxListBytes = 1024 * 1024;
    private const string LinuxUserPrefix = "user.";
    private const string SambaStreamPrefix = "user.DosStream.";
    private const string SambaStreamSuffix = ":$DATA";

    public static ExtendedAttributes Instance { get; } = new();

    public byte[]? Get(string path, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (OperatingSystem.IsMacOS())
        {
            return GetRaw(path, name);
        }

        return GetRaw(path, LinuxUserPrefix + name) ?? GetRaw(path, SambaStreamPrefix + name + SambaStreamSuffix);
    }

    public IReadOnlyList<string> List(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var raw = ListRaw(path);
        // Nearly every entry of a bundle has no attributes: no list is made for it (one per entry showed in the profile).
        if (OperatingSystem.IsMacOS() || raw.Length == 0)
        {
            return raw;
        }

        var names = new List<string>();
        foreach (var name in raw)
        {
            string? mapped = null;
            if (name.StartsWith(SambaStreamPrefix, StringComparison.Ordinal) && name.EndsWith(SambaStreamSuffix, StringComparison.Ordinal))
            {
                mapped = name[SambaStreamPrefix.Length..^SambaStreamSuffix.Length];
            }
            else if (name.StartsWith(LinuxUserPrefix, StringComparison.Ordinal))
            {
                mapped = name[LinuxUserPrefix.Length..];
            }

            if (mapped is { Length: > 0 } && !names.Contains(mapped, StringComparer.Ordinal))
            {
                names.Add(mapped);
            }
        }

        return names;
    }

    /// <summary>Sets an attribute (tests and tools; the daemon never writes attributes).</summary>
    public void Set(string path, string name, ReadOnlySpan<byte> value)
    {
        var native = OperatingSystem.IsMacOS() ? name : LinuxUserPrefix + name;
        int result;
        unsafe
        {
            fixed (byte* p = value)
            {
                result = OperatingSystem.IsMacOS()
                    ? Libc.DarwinSetXattr(path, native, p, (nuint)value.Length, 0, Libc.XATTR_NOFOLLOW)
                    : Libc.LinuxLSetXattr(path, native, p, (nuint)value.Length, 0);
            }
        }

        if (result != 0)
        {
            throw Failure(path, name, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Removes an attribute; returns false when it was not there.</summary>
    public bool Remove(string path, string name)
    {
        var native = OperatingSystem.IsMacOS() ? name : LinuxUserPrefix + name;
        var result = OperatingSystem.IsMacOS()
            ? Libc.DarwinRemoveXattr(path, native, Libc.XATTR_NOFOLLOW)
            : Libc.LinuxLRemoveXattr(path, native);
        if (result == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return IsAbsent(errno) ? false : throw Failure(path, name, errno);
    }

    private static byte[]? GetRaw(string path, string nativeName)
    {
        // Size, allocate, read; the value can change in between (ERANGE), so retry a few times.
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var size = GetCall(path, nativeName, Span<byte>.Empty);
            if (size < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return IsAbsent(errno) ? null : throw Failure(path, nativeName, errno);
            }

            if (size > MaxValueBytes)
            {
                throw new ExtendedAttributeException(path, nativeName, 0, $"value is {size} bytes, larger than the {MaxValueBytes}-byte limit");
            }

            var buffer = new byte[size];
            var read = GetCall(path, nativeName, buffer);
            if (read >= 0)
            {
                return read == buffer.Length ? buffer : buffer[..(int)read];
            }

            var readErrno = Marshal.GetLastPInvokeError();
            if (readErrno != Libc.ERANGE)
            {
                return IsAbsent(readErrno) ? null : throw Failure(path, nativeName, readErrno);
            }
        }

        throw new ExtendedAttributeException(path, nativeName, Libc.ERANGE, "value kept changing size while being read");
    }

    private static unsafe nint GetCall(string path, string name, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return OperatingSystem.IsMacOS()
                ? Libc.DarwinGetXattr(path, name, p, (nuint)buffer.Length, 0, Libc.XATTR_NOFOLLOW)
                : Libc.LinuxLGetXattr(path, name, p, (nuint)buffer.Length);
        }
    }

    private static string[] ListRaw(string path)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var size = ListCall(path, Span<byte>.Empty);
            if (size < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return IsUnsupported(errno) ? [] : throw Failure(path, null, errno);
            }

            if (size == 0)
            {
                return []; // the common case: one call
            }

            if (size > MaxListBytes)
            {
                throw new ExtendedAttributeException(path, null, 0, $"name list is {size} bytes, larger than the {MaxListBytes}-byte limit");
            }

            var buffer = new byte[size];
            var read = ListCall(path, buffer);
            if (read >= 0)
            {
                // A sequence of NUL-terminated UTF-8 names.
                return Encoding.UTF8.GetString(buffer, 0, (int)read).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }

            var readErrno = Marshal.GetLastPInvokeError();
            if (readErrno != Libc.ERANGE)
            {
                return IsUnsupported(readErrno) ? [] : throw Failure(path, null, readErrno);
            }
        }

        throw new ExtendedAttributeException(path, null, Libc.ERANGE, "name list kept changing size while being read");
    }

    private static unsafe nint ListCall(string path, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return OperatingSystem.IsMacOS()
                ? Libc.DarwinListXattr(path, p, (nuint)buffer.Length, Libc.XATTR_NOFOLLOW)
                : Libc.LinuxLListXattr(path, p, (nuint)buffer.Length);
        }
    }

    /// <summary>
    /// "No such attribute": ENOATTR (93) on Darwin, ENODATA (61) on Linux. A filesystem without
    /// attributes (ENOTSUP) has none either; on Linux, user.* attributes cannot exist on symlinks
    /// and devices, for which some filesystems answer EPERM.
    /// </summary>
    private static bool IsAbsent(int errno) =>
        IsUnsupported(errno) || (OperatingSystem.IsMacOS() ? errno == Libc.DarwinENOATTR : errno == Libc.LinuxENODATA);

    private static bool IsUnsupported(int errno) =>
        OperatingSystem.IsMacOS() ? errno == Libc.DarwinENOTSUP : errno is Libc.LinuxEOPNOTSUPP or Libc.LinuxEPERM;

    private static ExtendedAttributeException Failure(string path, string? name, int errno) =>
        new(path, name, errno, Marshal.GetPInvokeErrorMessage(errno));
}
