using Microsoft.AspNetCore.Http;

namespace FediLearn.Web.Tests;

/// <summary>
/// Which answer an Accept header gets: ActivityStreams JSON or a page. Weights count: a client that names ActivityStreams
/// JSON with q=0, or weighs it below text/html, gets the page (it got JSON whatever the weight).
/// </summary>
public sealed class NegotiationTests
{
    [Theory]
    // What fediverse servers send.
    [InlineData("application/activity+json", true)]
    [InlineData("application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", true)]
    [InlineData("application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", true)]
    [InlineData("application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\", text/html;q=0.1", true)]
    [InlineData("application/activity+json;q=0.9, */*;q=0.8", true)]
    [InlineData("application/json", true)]
    // Browsers, and clients that weigh the page first.
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false)]
    [InlineData("application/json, text/html", false)]
    [InlineData("text/html, application/activity+json;q=0", false)]
    [InlineData("text/html, application/activity+json;q=0.5", false)]
    [InlineData("text/html;q=0.9, application/ld+json;q=0.4", false)]
    [InlineData("application/activity+json;q=0", false)]
    [InlineData("application/json;q=0.5, text/html", false)]
    [InlineData("application/json, text/html;q=0.5", true)]
    // At equal weight ActivityStreams JSON wins, as it did without weights.
    [InlineData("text/html;q=0.5, application/activity+json;q=0.5", true)]
    [InlineData("text/html, application/activity+json;q=1.0", true)]
    // An unreadable weight counts as 0.
    [InlineData("text/html, application/activity+json;q=x", false)]
    [InlineData("", false)]
    [InlineData("*/*", false)]
    public void Accept_picks_the_answer(string accept, bool json)
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Accept = accept;

        Assert.Equal(json, Negotiation.WantsActivityJson(request));
    }

    [Theory]
    [InlineData("text/html", true)]
    [InlineData("text/html, application/activity+json;q=0", true)]
    [InlineData("text/html;q=0, application/json;q=0.5", false)]
    [InlineData("text/html;q=0", false)]
    [InlineData("application/activity+json", false)]
    [InlineData("*/*", false)]
    public void A_page_is_wanted_only_when_text_html_weighs_above_zero(string accept, bool html)
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Accept = accept;

        Assert.Equal(html, Negotiation.WantsHtml(request));
    }
}
