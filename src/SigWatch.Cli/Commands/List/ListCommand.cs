using System.Text.Json;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;
using Spectre.Console;

namespace SigWatch.Cli.Commands.List;

internal sealed class ListCommand(CliConsole console, string? socket, bool json, bool includeRemoved, string? root, string? contains)
{
    public Task<int> ExecuteAsync(CancellationToken cancellationToken) =>
        DaemonCall.RunAsync(socket, console, async connection =>
        {
            var bundles = new List<Bundle>();
            long total = 0;
            var request = new ListBundlesRequest
            {
                IncludeRemoved = includeRemoved,
                Root = root is null ? string.Empty : Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)),
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

            if (json)
            {
                var output = new BundleListJson([.. bundles.Select(JsonMapping.ToJson)], total);
                console.Out.WriteLine(JsonSerializer.Serialize(output, CliJsonContext.Default.BundleListJson));
                return ExitCodes.Ok;
            }

            if (bundles.Count == 0)
            {
                console.Out.WriteLine("No bundles known yet.");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple)
                .AddColumns("ID", "Path", "Identifier", "Version", "Files", "Size", "Seal", "Assessed");
            foreach (var bundle in bundles)
            {
                var a = bundle.Latest;
                table.AddRow(
                    bundle.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Markup.Escape(bundle.Path + (bundle.RemovedAt is not null ? " (removed)" : bundle.Status.Length > 0 ? $" ({bundle.Status})" : string.Empty)),
                    Markup.Escape(Format.OrDash(a?.BundleIdentifier)),
                    Markup.Escape(Format.OrDash(a?.ShortVersion)),
                    a?.FileCount.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                    a is null ? "-" : Format.Size(a.TotalSize),
                    a is null ? "-" : a.HasCodeResources ? "present" : "none",
                    Format.Time(JsonMapping.Time(a?.AssessedAt)));
            }

            Ansi.For(console).Write(table);
            console.Out.WriteLine($"{bundles.Count} of {total} bundle(s)");
            return ExitCodes.Ok;
        });
}
