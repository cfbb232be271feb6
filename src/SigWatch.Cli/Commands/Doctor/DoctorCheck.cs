namespace SigWatch.Cli.Commands.Doctor;

internal enum DoctorOutcome
{
    /// <summary>[+] as it should be.</summary>
    Ok,

    /// <summary>[-] broken: doctor exits 1.</summary>
    Failed,

    /// <summary>[?] could not be told from here (no systemd, not root, no daemon to ask), or worth knowing only.</summary>
    Unknown,
}

/// <param name="Name">Stable name for scripts (JSON): service, socket, connection, root, database, agent, versions.</param>
/// <param name="Summary">One line: what was found, where.</param>
/// <param name="Remedy">What to do about it; null when nothing needs doing.</param>
internal sealed record DoctorCheck(string Name, DoctorOutcome Outcome, string Summary, string? Remedy = null)
{
    public string Mark => Outcome switch
    {
        DoctorOutcome.Ok => "[+]",
        DoctorOutcome.Failed => "[-]",
        _ => "[?]",
    };

    /// <summary><see cref="Mark"/> as Spectre markup: green, bold red or yellow on a terminal.</summary>
    public string MarkMarkup => Outcome switch
    {
        DoctorOutcome.Ok => "[green][[+]][/]",
        DoctorOutcome.Failed => "[bold red][[-]][/]",
        _ => "[yellow][[?]][/]",
    };
}
