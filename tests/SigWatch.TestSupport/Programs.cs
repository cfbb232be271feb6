using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace SigWatch.TestSupport;

/// <summary>
/// Runs SigWatch's real executables (sigwatchd, sigwatch) as child processes, from the build output
/// of the same configuration as the running test assembly.
/// </summary>
public static class Programs
{
    public static string Configuration { get; } =
        typeof(Programs).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>
    /// The sigwatchd the daemon tests run: the build's sigwatchd.dll, or the executable named by
    /// <c>SIGWATCH_TEST_SIGWATCHD</c> (e.g. the Native AOT artifacts/publish/linux-x64/sigwatchd/sigwatchd), so the same
    /// tests check what the packages ship.
    /// </summary>
    public static string Daemon =>
        Environment.GetEnvironmentVariable("SIGWATCH_TEST_SIGWATCHD") is { Length: > 0 } published
            ? (File.Exists(published) ? Path.GetFullPath(published) : throw new FileNotFoundException("SIGWATCH_TEST_SIGWATCHD names no file", published))
            : Built("SigWatch.Daemon", "sigwatchd.dll");

    public static string CliDll => Built("SigWatch.Cli", "sigwatch.dll");

    /// <summary>sigwatch-load: the load benchmark and abuse tool (tests/SigWatch.Load).</summary>
    public static string LoadToolDll => Built("SigWatch.Load", "sigwatch-load.dll", "tests");

    private static string Built(string project, string dll, string folder = "src")
    {
        var path = Path.Combine(RepoPaths.Root, folder, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{dll} not built for {Configuration}; build the solution first (./scripts/test.sh does)", path);
    }

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>How to start <paramref name="program"/>: an assembly through the dotnet host, anything else (an apphost, a Native AOT executable) as it is.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> args)
    {
        var managed = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(managed ? DotnetHost : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (managed)
        {
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(program);
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Keep children independent of the developer's own daemon and settings.
        info.Environment.Remove("SIGWATCH_SOCKET");
        info.Environment.Remove("SIGWATCH_ROOTS");
        info.Environment.Remove("SIGWATCH_CONFIG");
        // Most test daemons end by SIGKILL (a crash, or DisposeAsync): a killed runtime leaves its debugger pipes and
        // diagnostic socket in /tmp (hundreds a day here). Nothing here attaches a debugger or diagnostic tool to them.
        info.Environment["DOTNET_EnableDiagnostics"] = "0";
        return info;
    }

    /// <summary>Runs the CLI to completion (bounded by <paramref name="timeout"/>).</summary>
    public static Task<CliResult> RunCliAsync(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var info = StartInfo(CliDll, args);
        return ExternalProgram.RunAsync(info, timeout ?? TimeSpan.FromSeconds(60), $"sigwatch {string.Join(' ', info.ArgumentList.Skip(1))}");
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
