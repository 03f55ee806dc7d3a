namespace FediLearn.Core.Data.Entities;

/// <summary>
/// One key of ASP.NET Data Protection's key ring (the XML element it asks to store). Kept in the database, not in a
/// per-machine folder, so that every app node sharing the database reads the same ring: a login or antiforgery cookie
/// issued by one node is accepted by the others, and a node moved to another machine does not log everyone out.
/// </summary>
public sealed class DataProtectionKey
{
    public long Id { get; set; }
    public string? FriendlyName { get; set; }
    public string Xml { get; set; } = "";
}
