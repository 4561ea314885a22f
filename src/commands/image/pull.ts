import {Args, Command, Flags} from '@oclif/core'

export default class ImagePull extends Command {
  static description = `Pull an image from an OCI / Docker registry: [REGISTRY/]NAME[:TAG|@DIGEST].
Without a registry the name is on Docker Hub (library/ for one-word names). A multi-platform
image resolves to linux/amd64 on this host (or --platform). Layers are verified by digest and
cached once for all images. Loopback registries (localhost, 127.0.0.1) are reached over plain
http; --tls-verify=false does the same for any host. Prints the image id.`
  static examples = [
    '<%= config.bin %> image pull 127.0.0.1:5000/myapp:1.0',
    '<%= config.bin %> image pull --tls-verify=false registry.lan:5000/tools/debug',
    '<%= config.bin %> image pull --platform linux/arm64 127.0.0.1:5000/multi:latest',
  ]
  static args = {ref: Args.string({description: '[REGISTRY/]NAME[:TAG|@sha256:DIGEST]', required: true})}
  static flags = {
    platform: Flags.string({description: 'OS/ARCH[/VARIANT] to pick from a multi-platform image (default linux/amd64 here)'}),
    'tls-verify': Flags.string({description: 'false: plain http, for a registry without TLS', options: ['true', 'false'], default: 'true'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ImagePull)
    // Registry code is loaded only by this command (start-up cost of the others).
    const {pullImage} = await import('../../images/pull.js')
    const image = await pullImage(args.ref, {platform: flags.platform, tlsVerify: flags['tls-verify'] !== 'false', progress: true})
    this.log(image.id)
  }
}
