using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SigWatch.Cli.Output;
using SigWatch.Core.Verification;
using SigWatch.Platform.Darwin;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// <c>sigwatch check --native PATH [--json]</c>: the same question answered by Apple's Security framework
/// (SecStaticCodeValidator, strict + nested + all architectures, offline). macOS only. Exit codes: 0 valid,
/// 1 invalid or unsigned, 2 not on macOS, 5 the path cannot be read or the framework gave no verdict.
/// </summary>
internal static class NativeCheck
{
    public static int Execute(CliConsole console, string path, bool json)
    {
        if (!OperatingSystem.IsMacOS())
        {
            console.Error.WriteLine("sigwatch: --native needs macOS (it asks Apple's Security framework); omit it to use the managed verifier");
            return ExitCodes.Usage;
        }

        if (!File.Exists(path) && !Directory.Exists(path))
        {
            console.Error.WriteLine($"sigwatch: cannot read {path}: no such file or directory");
            return ExitCodes.CannotRead;
        }

        CodeSignatureAssessment assessment;
        using (var validator = new SecStaticCodeValidator())
        {
            assessment = validator.Validate(path);
        }

        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(ToJson(assessment), CheckJsonContext.Relaxed.NativeCheckJsonOutput));
        }
        else
        {
            WriteHuman(console, assessment);
        }

        return assessment.Verdict switch
        {
            AssessmentVerdict.Valid => ExitCodes.Ok,
            AssessmentVerdict.Unknown => ExitCodes.CannotRead,
            _ => ExitCodes.Invalid,
        };
    }

    internal static NativeCheckJsonOutput ToJson(CodeSignatureAssessment assessment)
    {
        var s = assessment.Signing;
        return new NativeCheckJsonOutput(
            assessment.Path,
            assessment.Validator,
            AssessmentComparer.Name(assessment.Verdict),
            s is null ? null : new NativeCheckJsonSignature(s.Identifier, s.TeamId, s.CdHash,
                s.Flags is { } f ? $"0x{f.ToString("x", CultureInfo.InvariantCulture)}" : null,
                s.CertificateSha256, s.DeclaredSigningTime, s.TimestampedSigningTime, s.HasEntitlements, s.DesignatedRequirement),
            assessment.Findings.Select(f => new CheckJsonFinding(
                f.KindName, f.Severity.ToString().ToLowerInvariant(), f.Path, f.Architecture, f.Detail, f.Offset)).ToList());
    }

    private static void WriteHuman(CliConsole console, CodeSignatureAssessment assessment)
    {
        var o = console.Out;
        o.WriteLine($"Executable={assessment.Path}");
        if (assessment.Signing is { } s)
        {
            o.WriteLine($"Identifier={s.Identifier}");
            o.WriteLine($"CDHash={s.CdHash ?? "unknown"}");
            o.WriteLine(s.Flags is { } f ? $"flags=0x{f.ToString("x", CultureInfo.InvariantCulture)}" : "flags=unknown");
            o.WriteLine($"TeamIdentifier={s.TeamId ?? "not set"}");
            if (s.DesignatedRequirement is { } dr)
            {
                o.WriteLine($"designated => {dr}");
            }
        }
        else
        {
            o.WriteLine("Signature=none");
        }

        foreach (var finding in assessment.Findings)
        {
            o.WriteLine(finding.ToString());
        }

        o.WriteLine($"Verdict: {AssessmentComparer.Name(assessment.Verdict)} (native)");
    }
}

/// <summary>The <c>sigwatch check --native --json</c> document (docs/check-json.md, "Native").</summary>
internal sealed record NativeCheckJsonOutput(
    string Path,
    string Validator,
    string Verdict,
    NativeCheckJsonSignature? Signature,
    IReadOnlyList<CheckJsonFinding> Findings);

internal sealed record NativeCheckJsonSignature(
    string? Identifier,
    string? TeamId,
    string? Cdhash,
    string? Flags,
    IReadOnlyList<string> CertificatesSha256,
    DateTimeOffset? SigningTime,
    DateTimeOffset? Timestamp,
    bool HasEntitlements,
    string? DesignatedRequirement);
