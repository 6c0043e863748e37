package chatvolttest

import (
	"fmt"
	"html"
	"strings"

	"github.com/syncerhq/syncer/fetcher/fakeapi"
)

// vocab is the vocabulary of the simulated organization. It is built per use
// rather than held in package variables, so the package has no shared mutable
// state. Some entries carry accents, non-Latin scripts, emoji, quotes, HTML
// and newlines on purpose: they are what breaks encoders and column types in
// real mirrors.
type vocab struct {
	firstNames, lastNames []string
	tagNames              []string
	scenarios             []scenarioSpec
	variables             []variableSpec
	titleSubjects         []string
	titleProblems         []string
	specialTitles         []string
	openers               []string // a customer's first message
	followUps             []string // later customer messages
	aiReplies             []string // the AI agent
	operatorReplies       []string // a human operator
	contexts              []string
}

type scenarioSpec struct {
	name  string
	steps []string
}

type variableSpec struct {
	name   string
	values []string
}

func newVocab() *vocab {
	return &vocab{
		firstNames: []string{
			"Alice", "Bruno", "Chloé", "Dmitri", "Emma", "Farah", "Gustavo", "Hiroshi", "Inês", "João",
			"Kwame", "Léa", "Mateus", "Nadia", "Oliver", "Priya", "Rafaela", "Søren", "Tariq", "Yūki",
		},
		lastNames: []string{
			"Almeida", "Becker", "Castillo", "Dubois", "Eriksen", "Ferreira", "García", "Haddad", "Ivanova",
			"Jensen", "Kowalski", "Müller", "Nakamura", "O'Brien", "Patel", "Rossi", "Souza", "Nguyễn",
		},
		tagNames: []string{"vendas", "suporte", "billing", "vip", "lead-quente", "bug", "reembolso", "ünïcødé"},
		scenarios: []scenarioSpec{
			{"Funil de vendas", []string{"Novo lead", "Qualificado", "Proposta enviada", "Ganho", "Perdido"}},
			{"Onboarding", []string{"Cadastro", "Configuração", "Ativo"}},
			{"Escalation", []string{"Triage", "Escalated", "Closed"}},
		},
		variables: []variableSpec{
			{"nome", []string{"Maria", "José", "Ana Clara", "Léo"}},
			{"email", []string{"maria@example.com", "jose.silva@example.com.br", "ana+test@example.org"}},
			{"plano", []string{"free", "pro", "enterprise"}},
			{"pedido", []string{"#48213", "#50011", "#50877"}},
			{"cidade", []string{"São Paulo", "Lisboa", "Rio de Janeiro", "Porto"}},
		},
		titleSubjects: []string{
			"Pedido", "Boleto", "Pix", "Entrega", "Login", "Assinatura", "Reembolso", "Cupom",
			"Integração WhatsApp", "Nota fiscal", "Order", "Invoice", "Password reset",
		},
		titleProblems: []string{
			"não chegou", "com erro", "atrasado", "cobrado duas vezes", "question", "not working",
			"dúvida", "cancelamento", "2ª via",
		},
		specialTitles: []string{
			"Problème de facturation – facture n°4821",
			"ログインできません",
			"[URGENTE] Loja fora do ar 🔥",
			"Re: Re: Fwd: \"Exportar\" não funciona",
			"Question about the <script> tag & escaping",
		},
		openers: []string{
			"Olá, meu pedido ainda não chegou. Podem verificar?",
			"Oi! Gostaria de saber o status do meu reembolso.",
			"Hi, I was charged twice this month (2 × R$ 199,90). Please refund one payment.",
			"Bom dia, não consigo acessar minha conta desde ontem 😩",
			"Qual o prazo de entrega para Lisboa?",
			"Bonjour, je n'arrive plus à télécharger ma facture. Merci d'avance !",
			"こんにちは、ログインできません。",
			"URGENTE!!! 🔥🔥 a loja está fora do ar",
			"Steps to reproduce:\n1. Open the app\n2. Tap \"Pagar\"\n3. Spinner forever",
			"Can I talk to a human please?",
		},
		followUps: []string{
			"Obrigado, funcionou! 🙏",
			"Ainda não resolveu.",
			"Alguma novidade?",
			"Quero falar com um atendente.",
			"👍",
			"<b>not bold</b> & <i>not italic</i>",
			"Segue o número do pedido: #48213\n\n-- \nEnviado do meu iPhone",
		},
		aiReplies: []string{
			"Olá! Sou o assistente virtual. Vou verificar isso para você.",
			"Pode me informar o número do pedido?",
			"Seu reembolso foi processado e deve aparecer em até 5 dias úteis.",
			"Entendi. Vou transferir você para um atendente humano.",
			"Here is how to reset your password:\n\n1. Open **Settings**\n2. Click *Reset*",
			"Merci pour votre patience. Le correctif est en production.",
		},
		operatorReplies: []string{
			"Oi, aqui é da equipe de suporte. Já estou verificando!",
			"Resolvido do nosso lado, pode testar novamente?",
			"Emiti a 2ª via do boleto e enviei por e-mail.",
			"Sorry for the wait, the fix is live now ✅",
		},
		contexts: []string{
			"Cliente VIP desde 2021.",
			"Pedido #48213 em trânsito (transportadora: Correios).",
			"Customer asked for an invoice in EUR.",
		},
	}
}

// longText is a pasted log of about 14 KB: texts that size exist in real chat
// histories and catch truncating columns and small read buffers.
func longText() string {
	return fakeapi.PastedLog("Segue o log completo, desculpe o tamanho:\n\n", 150, func(i int) string {
		return fmt.Sprintf("checkout order=%d msg=\"gateway returned 502\" attempt=%d", 48000+i, i%5+1)
	}, "\nObrigado 🙏")
}

// htmlOf renders a message text the way Chatvolt's editor stores it: a
// paragraph, with line breaks, HTML-escaped.
func htmlOf(text string) string {
	var b strings.Builder
	b.WriteString("<p>")
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("<br>")
		}
		b.WriteString(html.EscapeString(line))
	}
	b.WriteString("</p>")
	return b.String()
}
