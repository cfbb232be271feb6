using Microsoft.Extensions.Configuration;
using SigWatch.Platform;

namespace SigWatch.Daemon.Configuration;

/// <summary>
/// Builds <see cref="DaemonOptions"/> from the layers defaults &lt; config file &lt; environment &lt;
/// command line. Scalars follow ordinary configuration precedence. The root list is replaced
/// whole by the highest layer that names any roots (merging lists by index would mix layers).
/// </summary>
internal static class DaemonConfiguration
{
    public const string EnvironmentPrefix = "SIGWATCH_";

    /// <summary>SIGWATCH_ROOTS: roots separated by the path-list separator (':').</summary>
    public const string RootsEnvironmentVariable = EnvironmentPrefix + "ROOTS";

    public static DaemonOptions Build(DaemonCommandLine commandLine, SigWatchPaths defaults, Func<string, string?> environment)
    {
        var builder = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [nameof(DaemonOptions.StateDir)] = defaults.StateDirectory,
            [nameof(DaemonOptions.Socket)] = defaults.SocketPath,
            [nameof(DaemonOptions.LogDir)] = defaults.LogDirectory,
        });

        IConfigurationRoot? fileLayer = null;
        var configFile = commandLine.ConfigFile ?? environment(EnvironmentPrefix + "CONFIG");
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new UsageException($"config file '{configFile}' does not exist");
            }

            fileLayer = LoadJson(configFile);
            builder.AddConfiguration(fileLayer);
        }
        else if (defaults.SystemConfigFile is { } system && system.EndsWith(".json", StringComparison.Ordinal) && File.Exists(system))
        {
            fileLayer = LoadJson(system);
            builder.AddConfiguration(fileLayer);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(commandLine.Settings);
        var configuration = builder.Build();

        var options = new DaemonOptions();
        try
        {
            configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"bad configuration value: {e.Message}");
        }

        options.Roots = ChooseRoots(commandLine, fileLayer, environment, defaults);
        options.Normalize();
        return options;
    }

    private static List<string> ChooseRoots(DaemonCommandLine commandLine, IConfiguration? fileLayer, Func<string, string?> environment, SigWatchPaths defaults)
    {
        if (commandLine.Roots.Count > 0)
        {
            return [.. commandLine.Roots];
        }

        if (environment(RootsEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return [.. fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        var fromFile = fileLayer?.GetSection(nameof(DaemonOptions.Roots)).Get<List<string>>();
        if (fromFile is { Count: > 0 })
        {
            return fromFile;
        }

        return [.. defaults.DefaultRoots];
    }

    private static IConfigurationRoot LoadJson(string path)
    {
        try
        {
            return new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new UsageException($"config file '{path}' cannot be read: {e.Message}");
        }
    }
}
