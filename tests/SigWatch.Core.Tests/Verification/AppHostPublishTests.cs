using System.Diagnostics;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using Xunit.Abstractions;

namespace SigWatch.Core.Tests.Verification;

/// <summary>
/// The SDK signs the osx-arm64 apphost ad-hoc with its own managed signer (Microsoft.NET.HostModel) when publishing
/// on Linux: an independent producer of signatures we must accept. Takes ~15 s (a real `dotnet publish`).
/// </summary>
public sealed class AppHostPublishTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("sigwatch-apphost-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Publish_OsxArm64AppOnLinux_AppHostVerifiesValidAdHoc()
    {
        File.WriteAllText(Path.Combine(_dir, "hello.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <RuntimeIdentifier>osx-arm64</RuntimeIdentifier>
                <SelfContained>false</SelfContained>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_dir, "Program.cs"), "System.Console.WriteLine(\"hello\");\n");
        foreach (var name in new[] { "NuGet.config", "nuget.config", "NuGet.Config" })
        {
            // Same package sources as the repository build, if it pins any.
            var config = Path.Combine(RepoPaths.Root, name);
            if (File.Exists(config))
            {
                File.Copy(config, Path.Combine(_dir, "NuGet.config"));
                break;
            }
        }

        var (exit, log) = RunDotnet(_dir, "publish", "-c", "Release", "-o", "out", "--nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        Assert.True(exit == 0, log);

        var report = new CodeSignatureVerifier().VerifyFile(Path.Combine(_dir, "out", "hello"));

        foreach (var finding in report.Findings)
        {
            output.WriteLine(finding.ToString());
        }

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        var arch = Assert.Single(report.Architectures);
        Assert.Equal("arm64", arch.Architecture);
        Assert.Equal(SignatureClassification.AdHoc, arch.Classification);
        Assert.True(arch.Best!.IsAdHoc);
        Assert.Equal(CodeHashType.Sha256, arch.Best.HashType);
        Assert.Equal((int)arch.Best.CodeSlotCount, arch.CodeDirectories[0].PagesMatched);
        Assert.Empty(report.Findings);
    }

    private static (int Exit, string Log) RunDotnet(string workingDirectory, params string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(s_timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"dotnet {string.Join(' ', args)} timed out after {s_timeout}");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
