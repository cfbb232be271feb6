using System.Globalization;
using SigWatch.Platform.Notifications;
using SigWatch.Protos.V1;

namespace SigWatch.Cli.Commands.Agent;

/// <summary>What the agent shows for an event, and for a burst of them.</summary>
internal static class NotificationText
{
    /// <summary>Notifications are a glance: longer texts are cut.</summary>
    public const int MaxBody = 400;

    public static DesktopNotification For(Event ev)
    {
        var name = Path.GetFileName(ev.BundlePath);
        var title = ev.KindName switch
        {
            "copy-broke-seal" => "A copied app's seal broke",
            "seal-broken" => $"{name} no longer matches its signature",
            "quarantine-removed" => $"Quarantine removed from {name}",
            "signature-changed" => $"{name}'s signature changed",
            "bundle-appeared" when ev.Summary.Contains("signature unsigned", StringComparison.Ordinal) => $"{name} arrived unsigned",
            "bundle-appeared" => $"{name} arrived and does not verify",
            "verifier-disagreement" => $"Verifiers disagree about {name}",
            "assessment-incomplete" => $"{name} could not be checked",
            "download-appeared" when ev.Summary.Contains("signature unsigned", StringComparison.Ordinal) => $"{name} was downloaded unsigned",
            "download-appeared" => $"{name} was downloaded and does not verify",
            "download-changed" => $"{name} changed",
            _ => $"SigWatch: {ev.KindName}",
        };
        // copy-broke-seal's summary is already the sentence for the person at the Mac, naming the app.
        var body = ev.KindName == "copy-broke-seal" ? ev.Summary : $"{ev.BundlePath}: {ev.Summary}";
        return new DesktopNotification(title, Cut(body), Urgency(ev.Severity));
    }

    /// <summary>One notification for many events: how many apps, where, of which kinds.</summary>
    public static DesktopNotification ForBurst(IReadOnlyList<Event> events)
    {
        var apps = events.Select(e => e.BundlePath).Distinct(StringComparer.Ordinal).Count();
        var folders = events.Select(e => Path.GetDirectoryName(e.BundlePath) ?? "/").Distinct(StringComparer.Ordinal).ToList();
        var where = folders.Count == 1 ? folders[0] : string.Create(CultureInfo.InvariantCulture, $"{folders.Count} folders");
        var kinds = string.Join(", ", events.GroupBy(e => e.KindName).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"));
        var critical = events.Count(e => e.Severity == "critical");
        var title = string.Create(CultureInfo.InvariantCulture, $"SigWatch: {events.Count} events{(critical > 0 ? $", {critical} critical" : string.Empty)}");
        var body = string.Create(CultureInfo.InvariantCulture,
            $"{apps} app{(apps == 1 ? string.Empty : "s")} changed in {where}: {kinds}. Details: sigwatch events --after {events[0].Id - 1}");
        return new DesktopNotification(title, Cut(body), events.Max(e => Urgency(e.Severity)));
    }

    public static int Rank(string severity) => severity switch
    {
        "critical" => 2,
        "warning" => 1,
        _ => 0,
    };

    private static NotificationUrgency Urgency(string severity) => severity switch
    {
        "critical" => NotificationUrgency.Critical,
        "warning" => NotificationUrgency.Normal,
        _ => NotificationUrgency.Low,
    };

    private static string Cut(string text) => text.Length <= MaxBody ? text : text[..(MaxBody - 1)] + "…";
}
