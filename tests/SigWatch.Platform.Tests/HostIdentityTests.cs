using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests;

public sealed class HostIdentityTests
{
    [Fact]
    public void ParseOsRelease_QuotedEscapedAndCommentedLines_AreReadAsOsRelease5Says()
    {
        var fields = HostIdentity.ParseOsRelease("""
            # a comment
            NAME="Debian GNU/Linux"
            ID=debian
            PRETTY_NAME='Debian 12'
            VERSION="12 (\"bookworm\")"

            BROKEN LINE
            """);
        Assert.Equal("Debian GNU/Linux", fields["NAME"]);
        Assert.Equal("debian", fields["ID"]);
        Assert.Equal("Debian 12", fields["PRETTY_NAME"]);
        Assert.Equal("12 (\"bookworm\")", fields["VERSION"]);
        Assert.Equal(4, fields.Count);
    }

    [LinuxFact]
    public void Read_OnLinux_IdIsTheMachineId_AndTheOsComesFromOsRelease()
    {
        var host = HostIdentity.Read();
        Assert.Equal(Environment.MachineName, host.Name);
        Assert.Equal("linux", host.OsType);
        if (File.Exists("/etc/machine-id"))
        {
            Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), host.Id);
        }

        var release = HostIdentity.ParseOsRelease(File.ReadAllText(File.Exists("/etc/os-release") ? "/etc/os-release" : "/usr/lib/os-release"));
        Assert.Equal(release.GetValueOrDefault("VERSION_ID"), host.OsVersion);
        Assert.Equal(release.GetValueOrDefault("ID"), host.OsPlatform);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), host.Kernel);
        Assert.Contains(host.Architecture, new[] { "x86_64", "arm64" });
    }

    [Fact]
    public void UserName_OfRootIsRoot_AndOfAUidNobodyHasIsNull()
    {
        Assert.Equal("root", HostIdentity.UserName(0));
        Assert.Null(HostIdentity.UserName(3_999_999_999));
    }
}
