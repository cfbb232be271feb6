using System.CommandLine;
using System.Text.Json;
using SigWatch.Load;

// sigwatch-load MODE --socket PATH [options]; every mode prints one JSON object per result on stdout.
var socket = new Option<string>("--socket") { Required = true, Description = "sigwatchd's Unix socket." };
var json = new JsonSerializerOptions { WriteIndented = false };

var clients = new Option<string>("--clients") { DefaultValueFactory = _ => "1,16,64", Description = "Comma-separated concurrent callers." };
var perConnection = new Option<int>("--per-connection") { DefaultValueFactory = _ => 8, Description = "Callers (or streams) per connection." };
var seconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 10, Description = "Measured duration per client count." };
var warmup = new Option<double>("--warmup") { DefaultValueFactory = _ => 2, Description = "Unmeasured warm-up per client count." };
var markdown = new Option<bool>("--markdown") { Description = "Also print a Markdown table (docs/benchmarks.md)." };
var load = new Command("load", "GetStatus at each client count: requests/s, p50, p99, errors, daemon RSS.") { socket, clients, perConnection, seconds, warmup, markdown };
load.SetAction(async (parse, _) =>
{
    var results = new List<LoadResult>();
    foreach (var n in parse.GetValue(clients)!.Split(',').Select(int.Parse))
    {
        var result = await LoadRun.RunAsync(parse.GetValue(socket)!, n, parse.GetValue(perConnection),
            TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(seconds)));
        Console.WriteLine(JsonSerializer.Serialize(result, json));
        results.Add(result);
    }

    if (parse.GetValue(markdown))
    {
        Console.WriteLine(LoadResult.MarkdownHeader);
        results.ForEach(r => Console.WriteLine(r.MarkdownRow));
    }

    return 0;
});

var connections = new Option<int>("--connections") { DefaultValueFactory = _ => 20_000 };
var concurrency = new Option<int>("--concurrency") { DefaultValueFactory = _ => 32 };
var hold = new Option<int>("--hold") { DefaultValueFactory = _ => 8_000, Description = "Sockets this side keeps open until the end." };
var flood = new Command("flood", "Open many connections (each with an HTTP/2 preface) and record how the daemon ends them.") { socket, connections, concurrency, hold };
flood.SetAction(async (parse, _) =>
{
    var result = await Flood.RunAsync(parse.GetValue(socket)!, parse.GetValue(connections), parse.GetValue(concurrency), parse.GetValue(hold), TimeSpan.FromSeconds(5));
    Console.WriteLine(JsonSerializer.Serialize(result, json));
    return 0;
});

var count = new Option<int>("--count") { DefaultValueFactory = _ => 500 };
var bytes = new Option<int>("--bytes") { DefaultValueFactory = _ => 4 * 1024 * 1024 };
var method = new Option<string>("--method") { DefaultValueFactory = _ => "/sigwatch.v1.SigWatchControl/Rescan" };
var big = new Command("big-requests", "Send COUNT requests of BYTES each at once, on raw HTTP/2, and record the daemon's answers.") { socket, count, bytes, method };
big.SetAction(async (parse, _) =>
{
    var result = await BigRequests.RunAsync(parse.GetValue(socket)!, parse.GetValue(count), parse.GetValue(bytes), parse.GetValue(method)!, TimeSpan.FromSeconds(60));
    Console.WriteLine(JsonSerializer.Serialize(result, json));
    return 0;
});

var holdSeconds = new Option<double>("--hold-seconds") { DefaultValueFactory = _ => 5 };
var streams = new Command("streams", "Open COUNT WatchEvents streams that are never read, hold them, and record how each started.") { socket, count, perConnection, holdSeconds };
streams.SetAction(async (parse, _) =>
{
    var result = await Streams.RunAsync(parse.GetValue(socket)!, parse.GetValue(count), Math.Max(1, parse.GetValue(perConnection)), TimeSpan.FromSeconds(parse.GetValue(holdSeconds)));
    Console.WriteLine(JsonSerializer.Serialize(result, json));
    return 0;
});

var root = new RootCommand("sigwatch-load: load and abuse a running sigwatchd (benchmarks and security tests).") { load, flood, big, streams };
return await root.Parse(args).InvokeAsync();
