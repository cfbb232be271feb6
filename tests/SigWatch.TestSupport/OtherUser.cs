using System.Diagnostics;
using System.Globalization;

namespace SigWatch.TestSupport;

/// <summary>
/// Runs SigWatch's programs as another uid with setpriv (util-linux), as a local user attacking or using a root
/// daemon would: real and effective uid and gid switched, supplementary groups exactly <see cref="Groups"/>. Needs root.
/// </summary>
/// <param name="Groups">Supplementary groups; empty clears them.</param>
public sealed record OtherUser(uint Uid, uint Gid, IReadOnlyList<uint> Groups)
{
    /// <summary>nobody:nogroup, no supplementary groups.</summary>
    public static OtherUser Nobody { get; } = new(65534, 65534, []);

    public static OtherUser WithId(uint uid, params uint[] groups) => new(uid, uid, groups);

    /// <summary>Gives <paramref name="path"/> to <paramref name="uid"/> (chown; needs root), e.g. a user's Downloads.</summary>
    public static async Task ChownAsync(string path, uint uid)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", [uid.ToString(CultureInfo.InvariantCulture), path]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start chown");
        await chown.WaitForExitAsync().ConfigureAwait(false);
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown {uid} {path} exited with {chown.ExitCode}");
        }
    }

    /// <summary><paramref name="inner"/> (a dotnet exec start info) wrapped in setpriv for this user.</summary>
    public ProcessStartInfo Wrap(ProcessStartInfo inner)
    {
        var args = new List<string>
        {
            $"--reuid={Uid.ToString(CultureInfo.InvariantCulture)}",
            $"--regid={Gid.ToString(CultureInfo.InvariantCulture)}",
            Groups.Count == 0 ? "--clear-groups" : "--groups=" + string.Join(',', Groups.Select(g => g.ToString(CultureInfo.InvariantCulture))),
            "--",
            inner.FileName,
        };
        args.AddRange(inner.ArgumentList);
        inner.FileName = "setpriv";
        inner.ArgumentList.Clear();
        foreach (var arg in args)
        {
            inner.ArgumentList.Add(arg);
        }

        // The runtime wants a writable home for its caches; the other user's may not exist.
        inner.Environment["HOME"] = Path.GetTempPath();
        inner.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        return inner;
    }

    /// <summary>Runs the CLI as this user to completion (bounded).</summary>
    public Task<CliResult> RunCliAsync(params string[] args) => RunAsync(Programs.StartInfo(Programs.CliDll, args), TimeSpan.FromSeconds(60));

    /// <summary>Runs sigwatch-load (tests/SigWatch.Load) as this user to completion (bounded).</summary>
    public Task<CliResult> RunLoadToolAsync(params string[] args) => RunAsync(Programs.StartInfo(Programs.LoadToolDll, args), TimeSpan.FromMinutes(3));

    public Task<CliResult> RunAsync(ProcessStartInfo inner, TimeSpan timeout) =>
        ExternalProgram.RunAsync(Wrap(inner), timeout, $"{string.Join(' ', inner.ArgumentList)} as uid {Uid}");
}

/// <summary>What /proc says of a process (Linux): resident memory and open descriptors.</summary>
public readonly record struct ProcessStats(long RssBytes, int OpenFiles)
{
    public double RssMegabytes => RssBytes / 1048576.0;

    public static ProcessStats Of(int pid)
    {
        long rss = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return new ProcessStats(rss, Directory.GetFiles($"/proc/{pid}/fd").Length);
    }

    /// <summary>Samples <paramref name="pid"/> every 50 ms until disposed; keeps the maxima.</summary>
    public static Sampler Watch(int pid) => new(pid);

    public sealed class Sampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Lock _gate = new();
        private readonly Task _loop;
        private ProcessStats _max;

        internal Sampler(int pid)
        {
            Before = Of(pid);
            _max = Before;
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var now = Of(pid);
                    lock (_gate)
                    {
                        _max = new ProcessStats(Math.Max(_max.RssBytes, now.RssBytes), Math.Max(_max.OpenFiles, now.OpenFiles));
                    }

                    try
                    {
                        await Task.Delay(50, _stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public ProcessStats Before { get; }

        public ProcessStats Max
        {
            get
            {
                lock (_gate)
                {
                    return _max;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            _stop.Dispose();
        }
    }
}
