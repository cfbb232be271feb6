using SigWatch.Core.Seal;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>check</c>'s progress on a terminal's stderr, drawn by Spectre.Console's live progress display: nothing for the
/// first second (most checks finish sooner), then a bar with bytes, files and time left, cleared when the work ends so
/// the report starts on a clean screen. The verification runs on a worker thread and only <see cref="Report"/>s.
/// </summary>
internal sealed class ProgressBar(IAnsiConsole error, TimeSpan delay) : IProgress<SealProgress>
{
    private SealProgress _latest;

    public void Report(SealProgress value) => _latest = value;

    /// <summary>Runs <paramref name="work"/> on a worker thread and shows progress until it ends; returns its result.</summary>
    public T Run<T>(Func<T> work)
    {
        var task = Task.Run(work);
        if (task.Wait(delay))
        {
            return task.GetAwaiter().GetResult();
        }

        error.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var bar = context.AddTask("verifying", maxValue: 1);
                while (!task.Wait(100))
                {
                    var p = _latest;
                    bar.MaxValue = Math.Max(1, p.BytesTotal > 0 ? p.BytesTotal : p.FilesTotal);
                    bar.Value = p.BytesTotal > 0 ? p.BytesDone : p.FilesDone;
                    bar.Description = $"{p.FilesDone}/{p.FilesTotal} files";
                    context.Refresh();
                }

                bar.Value = bar.MaxValue;
            });
        return task.GetAwaiter().GetResult();
    }
}
