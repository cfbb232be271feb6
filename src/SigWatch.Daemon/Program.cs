using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using SigWatch.Daemon;
using SigWatch.Daemon.Configuration;
using SigWatch.Daemon.Grpc.Services;
using SigWatch.Daemon.Hosting;
using SigWatch.Daemon.Security;
using SigWatch.Daemon.Store;
using SigWatch.Platform;

// Exit codes: 0 clean shutdown (SIGTERM/SIGINT), 1 could not start, 2 usage or configuration error.
DaemonCommandLine commandLine;
DaemonOptions options;
try
{
    commandLine = DaemonCommandLine.Parse(args);
    if (commandLine.ShowHelp)
    {
        Console.Out.WriteLine(DaemonCommandLine.Usage);
        return 0;
    }

    if (commandLine.ShowVersion)
    {
        Console.Out.WriteLine(
            $"sigwatchd {DaemonClock.Version} (.NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription})");
        return 0;
    }

    options = DaemonConfiguration.Build(commandLine, SigWatchPaths.ForCurrentProcess(), Environment.GetEnvironmentVariable);
    var problems = options.Validate();
    if (problems.Count > 0)
    {
        throw new UsageException(string.Join("; ", problems));
    }
}
catch (UsageException e)
{
    Console.Error.WriteLine($"sigwatchd: {e.Message}");
    Console.Error.WriteLine("Run 'sigwatchd --help' for usage.");
    return 2;
}

var isRoot = ProcessIdentity.IsRoot;
// Everything the daemon creates from here on (database, WAL, SHM, logs, scratch copies) is its own: 0600 files, 0700
// directories. Existing state and log directories are checked and tightened below.
ProcessIdentity.UsePrivateFileModes();
var tightened = new List<string>();
try
{
    tightened.AddRange(PrivateDirectories.Ensure(options.StateDir, ProcessIdentity.EffectiveUserId));
    tightened.AddRange(PrivateDirectories.Ensure(options.LogDir, ProcessIdentity.EffectiveUserId));
    // An event log elsewhere gets its directory created private; an existing one (say /var/log) is not ours to tighten.
    if (options.EventLog.Enabled && Path.GetDirectoryName(options.EventLog.Path) is { } eventLogDir && !Directory.Exists(eventLogDir))
    {
        Directory.CreateDirectory(eventLogDir, PrivateDirectories.DirectoryMode);
    }
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or PrivateDirectoryException)
{
    Console.Error.WriteLine($"sigwatchd: cannot use the state or log directory: {e.Message}");
    return 1;
}

var level = Enum.TryParse<LogEventLevel>(options.LogLevel, ignoreCase: true, out var parsedLevel) ? parsedLevel : LogEventLevel.Information;
Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Is(level)
    .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
    .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
    .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
    .Enrich.FromLogContext()
    .WriteTo.Console(formatProvider: CultureInfo.InvariantCulture, standardErrorFromLevel: LogEventLevel.Verbose)
    .WriteTo.File(
        new CompactJsonFormatter(),
        Path.Combine(options.LogDir, "sigwatchd-.clef"),
        rollingInterval: RollingInterval.Day,
        retainedFileCountLimit: 14,
        fileSizeLimitBytes: 64 * 1024 * 1024,
        rollOnFileSizeLimit: true)
    .CreateLogger();

foreach (var change in tightened)
{
    Log.Warning("Made private (it was readable by others): {Change}", change);
}

var (_, unknownAdminGroups) = AdminPolicy.Resolve(options.AdminGroups);
if (options.AdminGroups.Count > 0 && unknownAdminGroups.Count > 0)
{
    Log.Warning("Admin groups {Groups} do not exist on this system; nobody is an admin through them", unknownAdminGroups);
}

try
{
    UnixSocket.Prepare(options.Socket, isRoot, ProcessIdentity.EffectiveUserId);

    var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
    {
        // Our own command line was parsed above; ASP.NET must not reinterpret it.
        Args = [],
        ContentRootPath = AppContext.BaseDirectory,
        EnvironmentName = Environments.Production,
    });
    builder.Services.AddSerilog();
    // Under systemd (NOTIFY_SOCKET set): READY=1 when started, STOPPING=1 on SIGTERM; a no-op elsewhere.
    builder.Services.AddSystemd();
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
    // Bounds what the transport buffers of an admitted peer's bytes before it stops reading the socket (a refused
    // peer's socket is never read: GatedUnixSocketListenerFactory).
    const int MaxReadBuffer = 256 * 1024;
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.AddServerHeader = false;
        // Bounds on what any peer can hold open (README, "Limits"). Refused connections are closed by the gate at once,
        // so they count against MaxConcurrentConnections only for the moment it takes to refuse them.
        kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
        kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
        // Flow-control windows bound the request bytes a peer can have in flight: requests are small (MaxRequestBytes).
        kestrel.Limits.Http2.InitialStreamWindowSize = 64 * 1024;
        kestrel.Limits.Http2.InitialConnectionWindowSize = 128 * 1024;
        kestrel.Limits.MaxRequestBufferSize = MaxReadBuffer;
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        kestrel.ListenUnixSocket(options.Socket, listen =>
        {
            // Cleartext HTTP/2 only: there is no TLS/ALPN on a Unix socket to negotiate it.
            listen.Protocols = HttpProtocols.Http2;
            // Every peer is decided before any of its bytes is parsed (ConnectionGate).
            listen.Use(kestrel.ApplicationServices.GetRequiredService<ConnectionGate>().Middleware);
        });
    });
    builder.Services.AddSigWatchDaemon(options);
    // The Unix socket's transport (registered last, so Kestrel prefers it to the default sockets transport for this
    // endpoint): the peer policy is applied in its accept loop, and the socket file's mode is set before listen(2).
    builder.Services.AddSingleton<IConnectionListenerFactory>(sp => new GatedUnixSocketListenerFactory(
        sp.GetRequiredService<ConnectionGate>(), isRoot, MaxReadBuffer, sp.GetRequiredService<ILoggerFactory>()));

    var app = builder.Build();
    app.MapGrpcService<InventoryService>();
    app.MapGrpcService<ControlService>();
    app.MapGrpcHealthChecksService();
    app.MapGrpcReflectionService();

    var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
    // End live event streams first, so Kestrel's graceful shutdown is not held up by them.
    lifetime.ApplicationStopping.Register(() => app.Services.GetRequiredService<EventHub>().CompleteAll());

    // Summaries of refusal windows that are over are written even when the flood has stopped.
    var refusals = app.Services.GetRequiredService<RefusalLog>();
    using var refusalFlush = TimeProvider.System.CreateTimer(_ => refusals.Flush(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    await app.StartAsync().ConfigureAwait(false);
    Log.Information(
        "sigwatchd {Version} listening on {Socket}; roots {Roots}; database {Database}; quiet window {Quiet} s",
        DaemonClock.Version, options.Socket, options.Roots, options.DatabasePath, options.QuietWindowSeconds);

    await app.WaitForShutdownAsync().ConfigureAwait(false);
    await app.DisposeAsync().ConfigureAwait(false);
    Log.Information("sigwatchd stopped cleanly");
    return 0;
}
catch (SocketSetupException e)
{
    Log.Fatal("Cannot listen: {Reason}", e.Message);
    return 1;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException)
{
    Log.Fatal(e, "sigwatchd could not start");
    return 1;
}
finally
{
    try
    {
        await Log.CloseAndFlushAsync().ConfigureAwait(false);
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
    {
        // The log disk is full (or gone): what could not be written is lost, but the exit code still says how the
        // daemon stopped (0 after a clean shutdown), as launchd and systemd expect.
        Console.Error.WriteLine($"sigwatchd: the log file could not be flushed: {e.Message}");
    }
}
