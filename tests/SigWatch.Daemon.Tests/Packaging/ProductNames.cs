using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>packaging/product.env as the build scripts see it: sourced by a shell, so its own expansions apply.</summary>
internal static class ProductNames
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> s_values = new(Load);

    public static string Get(string name) =>
        s_values.Value.TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"packaging/product.env has no {name}");

    private static IReadOnlyDictionary<string, string> Load()
    {
        var env = Path.Combine(RepoPaths.Root, "packaging", "product.env");
        var names = File.ReadAllLines(env)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && line.Contains('=', StringComparison.Ordinal))
            .Select(line => line[..line.IndexOf('=', StringComparison.Ordinal)])
            .ToList();
        var script = $". '{env}'; " + string.Join("; ", names.Select(n => $"printf '%s=%s\\n' {n} \"${n}\""));
        var result = ExternalProgram.RunAsync("sh", ["-c", script], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"sourcing {env} failed: {result}");
        }

        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
    }
}
