import {Args, Command} from '@oclif/core'
import {imageImport} from '../../cli/handlers/image.js'

export default class ImageImport extends Command {
  static description = `Import an image from a file or directory, recognised by its content:
a root filesystem tarball (.tar or .tar.gz), a \`docker save\` archive, an OCI image layout
directory, or an oci-archive tarball. Prints the image id.`
  static examples = [
    '<%= config.bin %> image import rootfs.tar.gz myapp:1.0',
    'docker save nginx:alpine -o nginx.tar && <%= config.bin %> image import nginx.tar nginx:alpine',
    '<%= config.bin %> image import ./oci-layout-dir web',
  ]
  static args = {
    source: Args.string({description: 'tarball, docker save archive, oci-archive, or OCI layout directory', required: true}),
    ref: Args.string({description: 'NAME[:TAG] to give the image (tag defaults to latest)', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(ImageImport)
    await imageImport(args.source, args.ref)
  }
}
