using System.Globalization;
using System.Text.Json;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;
using Spectre.Console;

namespace SigWatch.Cli.Commands.List;

internal sealed class ListCommand(CliConsole console, string? socket, bool json, bool includeRemoved, string? root, string? contains, ListFilter filter)
{
    public Task<int> ExecuteAsync(CancellationToken cancellationToken) =>
        DaemonCall.RunAsync(socket, console, async connection =>
        {
            var rootPath = root is null ? string.Empty : Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
            if (rootPath.Length > 0)
            {
                // A root the daemon does not watch would list nothing, which reads as "nothing there".
                var status = await connection.Client.GetStatusAsync(new GetStatusRequest(), DaemonConnection.Unary(cancellationToken)).ConfigureAwait(false);
                if (!status.Roots.Any(r => string.Equals(r.Path, rootPath, StringComparison.Ordinal)))
                {
                    console.Error.WriteLine($"sigwatch: --root {rootPath} is not a root the daemon watches; its roots: {string.Join(", ", status.Roots.Select(r => r.Path))}");
                    return ExitCodes.Usage;
                }
            }

            var bundles = new List<Bundle>();
            long total = 0;
            var request = new ListBundlesRequest
            {
                IncludeRemoved = includeRemoved,
                Root = rootPath,
                PathContains = contains ?? string.Empty,
                PageSize = 1000,
            };
            do
            {
                var page = await connection.Client.ListBundlesAsync(request, DaemonConnection.Unary(cancellationToken)).ConfigureAwait(false);
                bundles.AddRange(page.Bundles);
                total = page.TotalCount;
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            var shown = bundles.Where(filter.Matches)
                .OrderBy(ListFilter.Rank)
                .ThenBy(b => b.Path, StringComparer.Ordinal)
                .ToList();
            if (json)
            {
                var output = new BundleListJson([.. shown.Select(JsonMapping.ToJson)], total);
                console.Out.WriteLine(JsonSerializer.Serialize(output, CliJsonContext.Relaxed.BundleListJson));
                return ExitCodes.Ok;
            }

            if (shown.Count == 0)
            {
                console.Out.WriteLine(total == 0 ? "No bundles known yet." : $"No bundle matches (of {total} known).");
                return ExitCodes.Ok;
            }

            // In a pipe: a header line and aligned rows, no rules, so awk and cut see only data.
            var table = new Table().Border(console.OutputIsTerminal ? TableBorder.Simple : TableBorder.None)
                .AddColumns("ID", "Verdict", "Path", "Identifier", "Version", "Class", "Team", "Seal", "Quarantine", "Assessed");
            foreach (var bundle in shown)
            {
                var a = bundle.Latest;
                var signature = a?.Signature;
                table.AddRow(
                    bundle.Id.ToString(CultureInfo.InvariantCulture),
                    Verdicts.Markup(signature?.Verdict),
                    Markup.Escape(bundle.Path + (bundle.RemovedAt is not null ? " (removed)" : bundle.Status.Length > 0 ? $" ({bundle.Status})" : string.Empty)),
                    Markup.Escape(Format.OrDash(a?.BundleIdentifier)),
                    Markup.Escape(Format.OrDash(a?.ShortVersion)),
                    Markup.Escape(Format.OrDash(signature?.Classification)),
                    Markup.Escape(Format.OrDash(signature?.TeamId)),
                    a is null ? "-" : a.HasCodeResources ? "sealed" : "none",
                    a?.Quarantine is null ? "-" : a.Quarantine.Present ? "yes" : "no",
                    Format.Time(JsonMapping.Time(a?.AssessedAt)));
            }

            console.Ansi.Write(table);
            console.Out.WriteLine(shown.Count == bundles.Count ? $"{shown.Count} of {total} bundle(s)" : $"{shown.Count} shown of {bundles.Count} listed ({total} known)");
            return ExitCodes.Ok;
        });
}
