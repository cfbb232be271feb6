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

        // File layers, lowest first: an explicit --config (or SIGWATCH_CONFIG) replaces the system file;
        // the MDM-managed file (macOS) overrides either, as Managed Preferences do.
        var fileLayers = new List<IConfigurationRoot>();
        var configFile = commandLine.ConfigFile ?? environment(EnvironmentPrefix + "CONFIG");
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new UsageException($"config file '{configFile}' does not exist");
            }

            fileLayers.Add(Load(configFile));
        }
        else if (defaults.SystemConfigFile is { } system && File.Exists(system))
        {
            fileLayers.Add(Load(system));
        }

        if (defaults.ManagedConfigFile is { } managed && File.Exists(managed))
        {
            fileLayers.Add(Load(managed));
        }

        foreach (var layer in fileLayers)
        {
            builder.AddConfiguration(layer);
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

        options.Roots = ChooseRoots(commandLine, fileLayers, environment, defaults);
        if (options.SourceRoots.Count == 0)
        {
            options.SourceRoots = [.. defaults.DefaultSourceRoots];
        }

        options.Normalize();
        return options;
    }

    private static List<string> ChooseRoots(DaemonCommandLine commandLine, List<IConfigurationRoot> fileLayers, Func<string, string?> environment, SigWatchPaths defaults)
    {
        if (commandLine.Roots.Count > 0)
        {
            return [.. commandLine.Roots];
        }

        if (environment(RootsEnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return [.. fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }

        for (var i = fileLayers.Count - 1; i >= 0; i--)
        {
            var fromFile = fileLayers[i].GetSection(nameof(DaemonOptions.Roots)).Get<List<string>>();
            if (fromFile is { Count: > 0 })
            {
                return fromFile;
            }
        }

        return [.. defaults.DefaultRoots];
    }

    /// <summary>A JSON file, or a property list when the name ends in .plist (macOS preferences, MDM profiles).</summary>
    private static IConfigurationRoot Load(string path)
    {
        try
        {
            var full = Path.GetFullPath(path);
            return path.EndsWith(".plist", StringComparison.OrdinalIgnoreCase)
                ? new ConfigurationBuilder().Add(new PlistConfigurationSource(full)).Build()
                : new ConfigurationBuilder().AddJsonFile(full, optional: false, reloadOnChange: false).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new UsageException($"config file '{path}' cannot be read: {e.Message}");
        }
    }
}
