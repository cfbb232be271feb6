using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform;

/// <summary>
/// What identifies this machine to a fleet (ECS host.*; OpenTelemetry host.* and os.* resource attributes). Fields the
/// platform cannot tell are null, never guessed.
/// </summary>
/// <param name="Name">The host name (gethostname).</param>
/// <param name="Id">macOS: IOPlatformUUID (the hardware UUID); Linux: /etc/machine-id. Null when unreadable.</param>
/// <param name="Architecture">"arm64" or "x86_64" (uname -m spelling).</param>
/// <param name="OsType">"macos" or "linux" (ECS host.os.type).</param>
/// <param name="OsFamily">"macos"; on Linux the os-release ID_LIKE's first word, else ID ("debian").</param>
/// <param name="OsName">"macOS"; on Linux os-release NAME.</param>
/// <param name="OsVersion">macOS kern.osproductversion ("15.1"); Linux os-release VERSION_ID.</param>
/// <param name="OsPlatform">"darwin"; on Linux os-release ID ("ubuntu").</param>
/// <param name="OsFull">Linux os-release PRETTY_NAME; "macOS 15.1".</param>
/// <param name="Kernel">The kernel release (kern.osrelease, /proc/sys/kernel/osrelease).</param>
public sealed record HostFacts(string Name, string? Id, string Architecture, string OsType, string? OsFamily, string? OsName, string? OsVersion,
    string? OsPlatform, string? OsFull, string? Kernel);

public static class HostIdentity
{
    /// <summary>Reads the facts once (a few small files or sysctls); callers keep the result.</summary>
    public static HostFacts Read()
    {
        var architecture = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
        if (OperatingSystem.IsMacOS())
        {
            var version = Sysctl("kern.osproductversion");
            return new HostFacts(Environment.MachineName, PlatformUuid(), architecture, "macos", "macos", "macOS", version, "darwin",
                version is null ? "macOS" : $"macOS {version}", Sysctl("kern.osrelease"));
        }

        var release = ReadSmallText("/etc/os-release") ?? ReadSmallText("/usr/lib/os-release");
        var fields = release is null ? new Dictionary<string, string>() : ParseOsRelease(release);
        var id = fields.GetValueOrDefault("ID");
        var family = fields.TryGetValue("ID_LIKE", out var like) && like.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var first, ..] ? first : id;
        return new HostFacts(Environment.MachineName, MachineId(), architecture, OperatingSystem.IsLinux() ? "linux" : Environment.OSVersion.Platform.ToString().ToLowerInvariant(),
            family, fields.GetValueOrDefault("NAME"), fields.GetValueOrDefault("VERSION_ID"), id, fields.GetValueOrDefault("PRETTY_NAME"),
            ReadSmallText("/proc/sys/kernel/osrelease")?.Trim());
    }

    /// <summary>The login name of <paramref name="uid"/> (getpwuid_r); null when there is no such user.</summary>
    public static unsafe string? UserName(uint uid)
    {
        var pwd = stackalloc byte[Libc.PasswdStructMaxSize];
        for (var size = 1024; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            fixed (byte* b = buffer)
            {
                byte* result = null;
                var error = Libc.GetPasswordEntryByUid(uid, pwd, b, (nuint)size, &result);
                if (error == 34 /* ERANGE on Linux and Darwin */)
                {
                    continue;
                }

                if (error != 0 || result is null)
                {
                    return null;
                }

                var name = *(byte**)result;
                return name is null ? null : Marshal.PtrToStringUTF8((IntPtr)name);
            }
        }

        return null;
    }

    /// <summary>The KEY=value lines of os-release(5); values unquoted (double or single quotes, backslash escapes in double quotes).</summary>
    public static IReadOnlyDictionary<string, string> ParseOsRelease(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] == '#' || equals <= 0)
            {
                continue;
            }

            var value = line[(equals + 1)..];
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                var quote = value[0];
                value = value[1..^1];
                if (quote == '"')
                {
                    var unescaped = new StringBuilder(value.Length);
                    for (var i = 0; i < value.Length; i++)
                    {
                        unescaped.Append(value[i] == '\\' && i + 1 < value.Length ? value[++i] : value[i]);
                    }

                    value = unescaped.ToString();
                }
            }

            result[line[..equals]] = value;
        }

        return result;
    }

    // machine-id(5): 32 lower-case hex characters and a newline; /var/lib/dbus/machine-id on systems without systemd.
    private static string? MachineId()
    {
        foreach (var path in new[] { "/etc/machine-id", "/var/lib/dbus/machine-id" })
        {
            var id = ReadSmallText(path)?.Trim();
            if (id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower))
            {
                return id;
            }
        }

        return null;
    }

    private static string? ReadSmallText(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && info.Length <= 64 * 1024 ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [SupportedOSPlatform("macos")]
    private static unsafe string? Sysctl(string name)
    {
        nuint length = 0;
        if (Libc.SysctlByName(name, null, &length, IntPtr.Zero, 0) != 0 || length == 0 || length > 4096)
        {
            return null;
        }

        var buffer = stackalloc byte[(int)length];
        if (Libc.SysctlByName(name, buffer, &length, IntPtr.Zero, 0) != 0)
        {
            return null;
        }

        // A C string: the length includes the terminating NUL.
        var text = new ReadOnlySpan<byte>(buffer, (int)length);
        var end = text.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? text : text[..end]);
    }

    [SupportedOSPlatform("macos")]
    private static string? PlatformUuid()
    {
        var matching = IOKit.IOServiceMatching("IOPlatformExpertDevice");
        if (matching == IntPtr.Zero)
        {
            return null;
        }

        var service = IOKit.IOServiceGetMatchingService(IOKit.MainPortDefault, matching);
        if (service == 0)
        {
            return null;
        }

        try
        {
            using var key = CoreFoundation.CFStringCreate("IOPlatformUUID");
            using var value = IOKit.IORegistryEntryCreateCFProperty(service, key.DangerousGetHandle(), IntPtr.Zero, 0);
            return value.IsInvalid || CoreFoundation.CFGetTypeID(value.DangerousGetHandle()) != CoreFoundation.CFStringGetTypeID()
                ? null
                : CoreFoundation.CFStringToString(value.DangerousGetHandle());
        }
        finally
        {
            IOKit.IOObjectRelease(service);
        }
    }
}
